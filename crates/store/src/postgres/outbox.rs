//! The outbox in PostgreSQL: storing a message (a transaction of its own:
//! PostgreSQL groups the flushes of concurrent commits by itself), the
//! dispatchers' claims (`FOR UPDATE SKIP LOCKED`, so that replicas claiming
//! at once take different messages, with a lease that another replica
//! takes over when its holder dies), attempts, settlements, and the reads
//! of `/v1/outbound`.

use deadpool_postgres::GenericClient;
use deadpool_postgres::Pool;
use smsgate_normalize::Provider;
use smsgate_normalize::views::OutboundView;
use tokio_postgres::IsolationLevel;

use super::errors::{get, pg_error, pool_error};
use crate::contract::StoreError;
use crate::outbox::{
    AttemptEnd, AttemptRef, Claim, ClaimedOutbound, Coordination, Enqueued, NewAttempt, NewOutbound, OutboxState,
    Settle,
};
use crate::outbox_view::{
    ATTEMPT_COLUMNS, AttemptRow, CLAIMED_COLUMNS, EVENT_COLUMNS, HEAD_COLUMNS, LinkedEvent, OutboundHead, OutboundRows,
    attempt_ref, attempt_row, claimed_outbound, linked_message, outbound_head, sort_events,
};
use crate::page::sql_limit;
use crate::rows;

/// Stores `message` unless its idempotency key is taken. Two requests with
/// one key at once: the second INSERT waits for the first to commit, finds
/// the key taken, and reads the first one's row.
pub(super) async fn enqueue(pool: &Pool, message: &NewOutbound) -> Result<Enqueued, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let state = match message.rejected {
        Some(_) => OutboxState::Rejected,
        None => OutboxState::Queued,
    };
    let inserted = client
        .execute(
            r#"INSERT INTO outbound (id, idempotency_key, request_hash, "to", "from", text, reference, route,
                                     segments, state, error, created_at, state_at, due_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)
               ON CONFLICT (idempotency_key) DO NOTHING"#,
            &[
                &message.id,
                &message.idempotency_key,
                &message.request_hash,
                &message.to,
                &message.from,
                &message.text,
                &message.reference,
                &message.route,
                &i64::from(message.segments),
                &state.as_str(),
                &message.rejected,
                &message.created_at,
            ],
        )
        .await
        .map_err(pg_error)?;
    if inserted == 1 {
        return Ok(Enqueued::New(message.id.clone()));
    }
    let row = client
        .query_one(
            "SELECT id, request_hash FROM outbound WHERE idempotency_key = $1",
            &[&message.idempotency_key],
        )
        .await
        .map_err(pg_error)?;
    let (id, hash): (String, String) = (get(&row, 0)?, get(&row, 1)?);
    Ok(if hash == message.request_hash {
        Enqueued::Repeat(id)
    } else {
        Enqueued::KeyReused
    })
}

/// A stored counter as the outbox types hold it.
fn small(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Other(format!("unexpected outbox counter {value}")))
}

pub(super) async fn claim(pool: &Pool, claim: &Claim) -> Result<Vec<ClaimedOutbound>, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let rows = tx
        .query(
            &format!(
                r#"UPDATE outbound SET claimed_by = $1, lease_until = $2
               WHERE seq IN (SELECT seq FROM outbound
                             WHERE state = 'queued' AND due_at <= $3
                               AND (lease_until IS NULL OR lease_until < $3)
                             ORDER BY due_at LIMIT $4
                             FOR UPDATE SKIP LOCKED)
               RETURNING {CLAIMED_COLUMNS}"#
            ),
            &[&claim.owner, &claim.lease_until(), &claim.now, &sql_limit(claim.limit)],
        )
        .await
        .map_err(pg_error)?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut message = claimed_outbound(row)?;
        message.attempts = attempts(&tx, &message.id)
            .await?
            .iter()
            .map(AttemptRow::claimed)
            .collect();
        claimed.push(message);
    }
    tx.commit().await.map_err(pg_error)?;
    Ok(claimed)
}

async fn attempts(client: &impl GenericClient, id: &str) -> Result<Vec<AttemptRow>, StoreError> {
    client
        .query(
            &format!("SELECT {ATTEMPT_COLUMNS} FROM outbound_attempts WHERE outbound_id = $1 ORDER BY number"),
            &[&id],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(attempt_row)
        .collect()
}

pub(super) async fn begin_attempt(
    pool: &Pool,
    owner: &str,
    id: &str,
    attempt: &NewAttempt,
) -> Result<bool, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let held = tx
        .execute(
            "UPDATE outbound SET lease_until = $3 WHERE id = $1 AND claimed_by = $2 AND state = 'queued'",
            &[&id, &owner, &attempt.lease_until],
        )
        .await
        .map_err(pg_error)?;
    if held == 0 {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO outbound_attempts (outbound_id, number, provider, api, provider_id, submitted_at, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, 'uncertain')",
        &[
            &id,
            &i64::from(attempt.number),
            &attempt.provider,
            &attempt.api,
            &attempt.provider_id.as_str(),
            &attempt.submitted_at,
        ],
    )
    .await
    .map_err(pg_error)?;
    tx.commit().await.map_err(pg_error)?;
    Ok(true)
}

pub(super) async fn settle(
    pool: &Pool,
    owner: &str,
    id: &str,
    end: Option<&AttemptEnd>,
    settle: &Settle,
) -> Result<bool, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    if let Some(end) = end {
        tx.execute(
            "UPDATE outbound_attempts SET outcome = $3, provider_message_id = $4, error = $5
             WHERE outbound_id = $1 AND number = $2",
            &[
                &id,
                &i64::from(end.number),
                &end.outcome.as_str(),
                &end.provider_message_id,
                &end.error,
            ],
        )
        .await
        .map_err(pg_error)?;
    }
    let changed = match settle {
        Settle::Retry {
            at,
            provider_index,
            tries,
        } => tx
            .execute(
                "UPDATE outbound SET due_at = $3, provider_index = $4, tries = $5, claimed_by = NULL, lease_until = NULL
                 WHERE id = $1 AND claimed_by = $2 AND state = 'queued'",
                &[&id, &owner, at, &i64::from(*provider_index), &i64::from(*tries)],
            )
            .await
            .map_err(pg_error)?,
        Settle::Done { state, error, at } => tx
            .execute(
                "UPDATE outbound SET state = $3, error = $4, state_at = $5, claimed_by = NULL, lease_until = NULL
                 WHERE id = $1 AND claimed_by = $2 AND state = 'queued'",
                &[&id, &owner, &state.as_str(), error, at],
            )
            .await
            .map_err(pg_error)?,
    };
    tx.commit().await.map_err(pg_error)?;
    Ok(changed == 1)
}

pub(super) async fn attempt_of(
    pool: &Pool,
    provider: Provider,
    message_id: &str,
    client_message_id: Option<&str>,
) -> Result<Option<AttemptRef>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let row = client
        .query_opt(
            "(SELECT o.id, o.route, a.number, a.provider FROM outbound_attempts a JOIN outbound o ON o.id = a.outbound_id
              WHERE a.provider_id = $1 AND a.provider_message_id = $2)
             UNION ALL
             (SELECT o.id, o.route, a.number, a.provider FROM outbound o JOIN outbound_attempts a ON a.outbound_id = o.id
              WHERE o.id = $3 AND a.provider_id = $1 AND a.provider_message_id IS NULL
              ORDER BY a.number DESC LIMIT 1)
             LIMIT 1",
            &[&provider.as_str(), &message_id, &client_message_id],
        )
        .await
        .map_err(pg_error)?;
    row.as_ref().map(attempt_ref).transpose()
}

pub(super) async fn reroute(
    pool: &Pool,
    id: &str,
    number: u32,
    provider_index: u32,
    at: i64,
) -> Result<bool, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let changed = client
        .execute(
            "UPDATE outbound SET state = 'queued', provider_index = $3, tries = 0, due_at = $4, rerouted_at = $4,
                                 claimed_by = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'accepted' AND rerouted_at IS NULL
               AND (SELECT MAX(number) FROM outbound_attempts WHERE outbound_id = $1) = $2",
            &[&id, &i64::from(number), &i64::from(provider_index), &at],
        )
        .await
        .map_err(pg_error)?;
    Ok(changed == 1)
}

pub(super) async fn outbound(pool: &Pool, id: &str) -> Result<Option<OutboundView>, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = snapshot(&mut client).await?;
    let head = tx
        .query_opt(&format!("SELECT {HEAD_COLUMNS} FROM outbound WHERE id = $1"), &[&id])
        .await
        .map_err(pg_error)?;
    let view = match head {
        Some(row) => Some(rows_of(&tx, outbound_head(&row)?).await?.view()),
        None => None,
    };
    Ok(view)
}

pub(super) async fn outbound_page(
    pool: &Pool,
    after: i64,
    limit: usize,
) -> Result<Vec<(i64, OutboundView)>, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = snapshot(&mut client).await?;
    let heads = tx
        .query(
            &format!("SELECT {HEAD_COLUMNS} FROM outbound WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&after, &sql_limit(limit)],
        )
        .await
        .map_err(pg_error)?;
    let mut page = Vec::with_capacity(heads.len());
    for row in heads {
        let head = outbound_head(&row)?;
        let seq = head.seq;
        page.push((seq, rows_of(&tx, head).await?.view()));
    }
    Ok(page)
}

/// A read-only transaction that sees one snapshot.
async fn snapshot(client: &mut deadpool_postgres::Object) -> Result<deadpool_postgres::Transaction<'_>, StoreError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_error)
}

/// The attempts, linked provider messages and their events of `head`.
async fn rows_of(client: &impl GenericClient, head: OutboundHead) -> Result<OutboundRows, StoreError> {
    let attempts = attempts(client, &head.id).await?;
    let linked = client
        .query(
            "SELECT provider, message_id, status, status_key, status_at FROM messages WHERE client_message_id = $1
             UNION
             SELECT m.provider, m.message_id, m.status, m.status_key, m.status_at
             FROM outbound_attempts a
             JOIN messages m ON m.provider = a.provider_id AND m.message_id = a.provider_message_id
             WHERE a.outbound_id = $1",
            &[&head.id],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(linked_message)
        .collect::<Result<Vec<_>, _>>()?;
    let mut events = Vec::new();
    for message in &linked {
        let found = client
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM status_events WHERE provider = $1 AND message_id = $2 ORDER BY id"
                ),
                &[&message.provider.as_str(), &message.message_id],
            )
            .await
            .map_err(pg_error)?;
        for row in &found {
            events.push(LinkedEvent {
                provider: message.provider,
                message_id: message.message_id.clone(),
                event: rows::message_event(row)?,
            });
        }
    }
    sort_events(&mut events);
    Ok(OutboundRows {
        head,
        attempts,
        linked,
        events,
    })
}

pub(super) async fn coordinate(
    pool: &Pool,
    owner: &str,
    now: i64,
    live_within: i64,
) -> Result<Coordination, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.execute(
        "INSERT INTO dispatchers (owner, seen_at) VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at",
        &[&owner, &now],
    )
    .await
    .map_err(pg_error)?;
    tx.execute(
        "DELETE FROM dispatchers WHERE seen_at < $1",
        &[&now.saturating_sub(live_within.saturating_mul(100))],
    )
    .await
    .map_err(pg_error)?;
    let row = tx
        .query_one(
            "SELECT COUNT(*) FROM dispatchers WHERE seen_at >= $1",
            &[&now.saturating_sub(live_within)],
        )
        .await
        .map_err(pg_error)?;
    let replicas = small(get::<i64>(&row, 0)?)?;
    let pauses = tx
        .query("SELECT provider, until FROM provider_pauses WHERE until > $1", &[&now])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
        .collect::<Result<_, StoreError>>()?;
    tx.commit().await.map_err(pg_error)?;
    Ok(Coordination { replicas, pauses })
}

pub(super) async fn pause_provider(pool: &Pool, provider: &str, until: i64) -> Result<(), StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .execute(
            "INSERT INTO provider_pauses (provider, until) VALUES ($1, $2)
             ON CONFLICT (provider) DO UPDATE SET until = GREATEST(provider_pauses.until, excluded.until)",
            &[&provider, &until],
        )
        .await
        .map_err(pg_error)?;
    Ok(())
}
