//! Exports in PostgreSQL (see `exports.rs`), with SQLite's statements:
//! the lease is one upsert whose `WHERE` lets only a free, lapsed or own
//! lease change hands (PostgreSQL locks the conflicting row and judges the
//! `WHERE` on its latest version, so two replicas cannot both win it), and
//! a step is one transaction whose first statement checks the lease and
//! locks the export's row until it commits.

use deadpool_postgres::Pool;
use smsgate_normalize::views::{DeadLetterView, ReplayView};

use super::errors::{get, pg_error, pool_error};
use crate::contract::StoreError;
use crate::exports::{ExportProgress, ExportRecord, HeldExport, Replay, ReplayProgress, dead_letter, event_json};
use crate::page::feed_position;

/// See `Store::hold_export`.
pub(super) async fn hold(
    pool: &Pool,
    name: &str,
    owner: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<HeldExport>, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let held = tx
        .query_opt(
            "INSERT INTO exports (name, owner, lease_until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
             WHERE exports.owner IS NULL OR exports.owner = excluded.owner OR exports.lease_until < $4
             RETURNING cursor",
            &[&name, &owner, &lease_until, &now],
        )
        .await
        .map_err(pg_error)?;
    let Some(row) = held else {
        return Ok(None);
    };
    let cursor: Option<String> = get(&row, 0)?;
    let replays = tx
        .query(
            "SELECT id, since, until, position FROM export_replays WHERE export = $1 ORDER BY id",
            &[&name],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(|row| {
            Ok(Replay {
                id: get(row, 0)?,
                since: get(row, 1)?,
                until: get(row, 2)?,
                position: get(row, 3)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    tx.commit().await.map_err(pg_error)?;
    Ok(Some(HeldExport { cursor, replays }))
}

/// See `Store::save_export`.
pub(super) async fn save(
    pool: &Pool,
    name: &str,
    owner: &str,
    lease_until: i64,
    progress: &ExportProgress,
) -> Result<bool, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let held = tx
        .execute(
            "UPDATE exports SET cursor = COALESCE($3, cursor), last_error = $4, lease_until = $5
             WHERE name = $1 AND owner = $2",
            &[&name, &owner, &progress.cursor, &progress.last_error, &lease_until],
        )
        .await
        .map_err(pg_error)?
        == 1;
    if !held {
        return Ok(false);
    }
    for dead in &progress.dead_letters {
        let seq = feed_position(dead.event.cursor())?;
        let attempts = i32::try_from(dead.attempts).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO export_dead_letters (export, seq, event, error, attempts, failed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (export, seq) DO UPDATE
             SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at",
            &[&name, &seq, &event_json(dead), &dead.error, &attempts, &dead.failed_at],
        )
        .await
        .map_err(pg_error)?;
    }
    for cursor in &progress.delivered {
        let seq = feed_position(cursor)?;
        tx.execute(
            "DELETE FROM export_dead_letters WHERE export = $1 AND seq = $2",
            &[&name, &seq],
        )
        .await
        .map_err(pg_error)?;
    }
    match &progress.replay {
        Some(ReplayProgress::At { id, position }) => {
            tx.execute("UPDATE export_replays SET position = $2 WHERE id = $1", &[id, position])
                .await
                .map_err(pg_error)?;
        }
        Some(ReplayProgress::Done { id }) => {
            tx.execute("DELETE FROM export_replays WHERE id = $1", &[id])
                .await
                .map_err(pg_error)?;
        }
        None => {}
    }
    tx.commit().await.map_err(pg_error)?;
    Ok(true)
}

/// See `Store::exports`.
pub(super) async fn exports(pool: &Pool) -> Result<Vec<ExportRecord>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .query(
            "SELECT name, cursor, owner, lease_until, last_error,
                    (SELECT COUNT(*) FROM feed WHERE seq > COALESCE(e.cursor, '0')::bigint)
             FROM exports e ORDER BY name",
            &[],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(|row| {
            Ok(ExportRecord {
                name: get(row, 0)?,
                cursor: get(row, 1)?,
                owner: get(row, 2)?,
                lease_until: get(row, 3)?,
                last_error: get(row, 4)?,
                lag: get(row, 5)?,
            })
        })
        .collect()
}

/// See `Store::dead_letters`.
pub(super) async fn dead_letters(pool: &Pool, name: &str) -> Result<Vec<DeadLetterView>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .query(
            "SELECT event, error, attempts, failed_at FROM export_dead_letters WHERE export = $1 ORDER BY seq",
            &[&name],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(|row| {
            let event: String = get(row, 0)?;
            let attempts: i32 = get(row, 2)?;
            dead_letter(&event, get(row, 1)?, attempts.unsigned_abs(), get(row, 3)?)
                .map_err(|error| StoreError::Other(format!("a dead letter's event cannot be read: {error}")))
        })
        .collect()
}

/// See `Store::replay_export`.
pub(super) async fn replay(
    pool: &Pool,
    name: &str,
    since: Option<i64>,
    until: i64,
    now: i64,
) -> Result<ReplayView, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let row = client
        .query_one(
            "INSERT INTO export_replays (export, since, until, requested_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&name, &since, &until, &now],
        )
        .await
        .map_err(pg_error)?;
    Ok(ReplayView {
        id: get(&row, 0)?,
        export: name.to_string(),
        since,
        until,
        requested_at: now,
    })
}
