//! Exports in SQLite (see `exports.rs`): the lease is one upsert whose
//! `WHERE` lets only a free, lapsed or own lease change hands, and a step
//! is one transaction on the writer thread that first checks the lease.

use rusqlite::types::Type;
use rusqlite::{Connection, params};
use smsgate_normalize::views::{DeadLetterView, ReplayView};

use crate::exports::{ExportProgress, ExportRecord, HeldExport, Replay, ReplayProgress, dead_letter, event_json};
use crate::page::feed_position;

/// See `Store::hold_export`.
pub(super) fn hold(
    conn: &mut Connection,
    name: &str,
    owner: &str,
    now: i64,
    lease_until: i64,
) -> rusqlite::Result<Option<HeldExport>> {
    let tx = conn.transaction()?;
    let held = tx
        .prepare_cached(
            "INSERT INTO exports (name, owner, lease_until) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
             WHERE exports.owner IS NULL OR exports.owner = excluded.owner OR exports.lease_until < ?4",
        )?
        .execute(params![name, owner, lease_until, now])?
        == 1;
    if !held {
        return Ok(None);
    }
    let cursor: Option<String> =
        tx.query_row("SELECT cursor FROM exports WHERE name = ?1", [name], |row| row.get(0))?;
    let replays = tx
        .prepare_cached("SELECT id, since, until, position FROM export_replays WHERE export = ?1 ORDER BY id")?
        .query_map([name], |row| {
            Ok(Replay {
                id: row.get(0)?,
                since: row.get(1)?,
                until: row.get(2)?,
                position: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    tx.commit()?;
    Ok(Some(HeldExport { cursor, replays }))
}

/// A value the store cannot keep as given, as rusqlite reports it.
fn invalid(error: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(error))
}

/// See `Store::save_export`.
pub(super) fn save(
    conn: &mut Connection,
    name: &str,
    owner: &str,
    lease_until: i64,
    progress: &ExportProgress,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    let held = tx
        .prepare_cached(
            "UPDATE exports SET cursor = COALESCE(?3, cursor), last_error = ?4, lease_until = ?5
             WHERE name = ?1 AND owner = ?2",
        )?
        .execute(params![name, owner, progress.cursor, progress.last_error, lease_until])?
        == 1;
    if !held {
        return Ok(false);
    }
    for dead in &progress.dead_letters {
        let seq = feed_position(dead.event.cursor()).map_err(invalid)?;
        tx.prepare_cached(
            "INSERT INTO export_dead_letters (export, seq, event, error, attempts, failed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (export, seq) DO UPDATE
             SET error = excluded.error, attempts = excluded.attempts, failed_at = excluded.failed_at",
        )?
        .execute(params![
            name,
            seq,
            event_json(dead),
            dead.error,
            dead.attempts,
            dead.failed_at
        ])?;
    }
    for cursor in &progress.delivered {
        let seq = feed_position(cursor).map_err(invalid)?;
        tx.prepare_cached("DELETE FROM export_dead_letters WHERE export = ?1 AND seq = ?2")?
            .execute(params![name, seq])?;
    }
    match &progress.replay {
        Some(ReplayProgress::At { id, position }) => {
            tx.prepare_cached("UPDATE export_replays SET position = ?2 WHERE id = ?1")?
                .execute(params![id, position])?;
        }
        Some(ReplayProgress::Done { id }) => {
            tx.prepare_cached("DELETE FROM export_replays WHERE id = ?1")?
                .execute([id])?;
        }
        None => {}
    }
    tx.commit()?;
    Ok(true)
}

/// See `Store::exports`.
pub(super) fn exports(conn: &mut Connection) -> rusqlite::Result<Vec<ExportRecord>> {
    conn.prepare_cached(
        "SELECT name, cursor, owner, lease_until, last_error,
                (SELECT COUNT(*) FROM feed WHERE seq > CAST(COALESCE(e.cursor, '0') AS INTEGER))
         FROM exports e ORDER BY name",
    )?
    .query_map([], |row| {
        Ok(ExportRecord {
            name: row.get(0)?,
            cursor: row.get(1)?,
            owner: row.get(2)?,
            lease_until: row.get(3)?,
            last_error: row.get(4)?,
            lag: row.get(5)?,
        })
    })?
    .collect()
}

/// See `Store::dead_letters`.
pub(super) fn dead_letters(conn: &mut Connection, name: &str) -> rusqlite::Result<Vec<DeadLetterView>> {
    conn.prepare_cached(
        "SELECT event, error, attempts, failed_at FROM export_dead_letters WHERE export = ?1 ORDER BY seq",
    )?
    .query_map([name], |row| {
        let event: String = row.get(0)?;
        dead_letter(&event, row.get(1)?, row.get(2)?, row.get(3)?)
            .map_err(|error| rusqlite::Error::FromSqlConversionFailure(0, Type::Text, Box::new(error)))
    })?
    .collect()
}

/// See `Store::replay_export`.
pub(super) fn replay(
    conn: &mut Connection,
    name: &str,
    since: Option<i64>,
    until: i64,
    now: i64,
) -> rusqlite::Result<ReplayView> {
    conn.prepare_cached("INSERT INTO export_replays (export, since, until, requested_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![name, since, until, now])?;
    Ok(ReplayView {
        id: conn.last_insert_rowid(),
        export: name.to_string(),
        since,
        until,
        requested_at: now,
    })
}
