//! The outbox in SQLite: storing a message (inside a group-committed batch,
//! on the writer thread), the dispatcher's claims, attempts and
//! settlements (each a transaction of its own on the writer thread), and
//! the reads of `/v1/outbound`. One writer means no two claims can race:
//! a claim is one `UPDATE ... RETURNING`.

use rusqlite::{Connection, OptionalExtension, params};
use smsgate_normalize::Provider;
use smsgate_normalize::views::OutboundView;

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

/// Stores `message` unless its idempotency key is taken (inside the
/// writer's batch transaction).
pub(super) fn enqueue_in_tx(tx: &Connection, message: &NewOutbound) -> rusqlite::Result<Enqueued> {
    if let Some(key) = &message.idempotency_key {
        let earlier: Option<(String, String)> = tx
            .prepare_cached("SELECT id, request_hash FROM outbound WHERE idempotency_key = ?1")?
            .query_row([key], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        if let Some((id, hash)) = earlier {
            return Ok(if hash == message.request_hash {
                Enqueued::Repeat(id)
            } else {
                Enqueued::KeyReused
            });
        }
    }
    let state = match message.rejected {
        Some(_) => OutboxState::Rejected,
        None => OutboxState::Queued,
    };
    tx.prepare_cached(
        r#"INSERT INTO outbound (id, idempotency_key, request_hash, "to", "from", text, reference, route,
                                 segments, state, error, created_at, state_at, due_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?12)"#,
    )?
    .execute(params![
        message.id,
        message.idempotency_key,
        message.request_hash,
        message.to,
        message.from,
        message.text,
        message.reference,
        message.route,
        message.segments,
        state.as_str(),
        message.rejected,
        message.created_at,
    ])?;
    Ok(Enqueued::New(message.id.clone()))
}

/// Claims up to `claim.limit` due messages that nobody holds.
pub(super) fn claim(conn: &mut Connection, claim: &Claim) -> rusqlite::Result<Vec<ClaimedOutbound>> {
    let tx = conn.transaction()?;
    let mut claimed: Vec<ClaimedOutbound> = tx
        .prepare_cached(&format!(
            r#"UPDATE outbound SET claimed_by = ?1, lease_until = ?2
               WHERE seq IN (SELECT seq FROM outbound
                             WHERE state = 'queued' AND due_at <= ?3
                               AND (lease_until IS NULL OR lease_until < ?3)
                             ORDER BY due_at LIMIT ?4)
               RETURNING {CLAIMED_COLUMNS}"#
        ))?
        .query_map(
            params![claim.owner, claim.lease_until(), claim.now, sql_limit(claim.limit)],
            |row| claimed_outbound(row),
        )?
        .collect::<rusqlite::Result<_>>()?;
    for message in &mut claimed {
        message.attempts = attempts(&tx, &message.id)?.iter().map(|a| a.claimed()).collect();
    }
    tx.commit()?;
    Ok(claimed)
}

fn attempts(conn: &Connection, id: &str) -> rusqlite::Result<Vec<AttemptRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM outbound_attempts WHERE outbound_id = ?1 ORDER BY number"
    ))?
    .query_map([id], |row| attempt_row(row))?
    .collect()
}

/// Records an attempt as `uncertain` and extends the claim, if `owner`
/// still holds the message.
pub(super) fn begin_attempt(
    conn: &mut Connection,
    owner: &str,
    id: &str,
    attempt: &NewAttempt,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    let held = tx
        .prepare_cached("UPDATE outbound SET lease_until = ?3 WHERE id = ?1 AND claimed_by = ?2 AND state = 'queued'")?
        .execute(params![id, owner, attempt.lease_until])?;
    if held == 0 {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO outbound_attempts (outbound_id, number, provider, api, provider_id, submitted_at, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'uncertain')",
    )?
    .execute(params![
        id,
        attempt.number,
        attempt.provider,
        attempt.api,
        attempt.provider_id.as_str(),
        attempt.submitted_at,
    ])?;
    tx.commit()?;
    Ok(true)
}

/// Records how an attempt ended and where the message goes, releasing the
/// claim; the message is left alone if `owner` no longer holds it.
pub(super) fn settle(
    conn: &mut Connection,
    owner: &str,
    id: &str,
    end: Option<&AttemptEnd>,
    settle: &Settle,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    if let Some(end) = end {
        tx.prepare_cached(
            "UPDATE outbound_attempts SET outcome = ?3, provider_message_id = ?4, error = ?5
             WHERE outbound_id = ?1 AND number = ?2",
        )?
        .execute(params![
            id,
            end.number,
            end.outcome.as_str(),
            end.provider_message_id,
            end.error
        ])?;
    }
    let changed = match settle {
        Settle::Retry {
            at,
            provider_index,
            tries,
        } => tx
            .prepare_cached(
                "UPDATE outbound SET due_at = ?3, provider_index = ?4, tries = ?5, claimed_by = NULL, lease_until = NULL
                 WHERE id = ?1 AND claimed_by = ?2 AND state = 'queued'",
            )?
            .execute(params![id, owner, at, provider_index, tries])?,
        Settle::Done { state, error, at } => tx
            .prepare_cached(
                "UPDATE outbound SET state = ?3, error = ?4, state_at = ?5, claimed_by = NULL, lease_until = NULL
                 WHERE id = ?1 AND claimed_by = ?2 AND state = 'queued'",
            )?
            .execute(params![id, owner, state.as_str(), error, at])?,
    };
    tx.commit()?;
    Ok(changed == 1)
}

/// See `Store::attempt_of`.
pub(super) fn attempt_of(
    conn: &mut Connection,
    provider: Provider,
    message_id: &str,
    client_message_id: Option<&str>,
) -> rusqlite::Result<Option<AttemptRef>> {
    conn.prepare_cached(
        "SELECT o.id, o.route, a.number, a.provider FROM outbound_attempts a JOIN outbound o ON o.id = a.outbound_id
         WHERE a.provider_id = ?1 AND a.provider_message_id = ?2
         UNION ALL
         SELECT * FROM (SELECT o.id, o.route, a.number, a.provider
                        FROM outbound o JOIN outbound_attempts a ON a.outbound_id = o.id
                        WHERE o.id = ?3 AND a.provider_id = ?1 AND a.provider_message_id IS NULL
                        ORDER BY a.number DESC LIMIT 1)
         LIMIT 1",
    )?
    .query_row(params![provider.as_str(), message_id, client_message_id], |row| {
        attempt_ref(row)
    })
    .optional()
}

/// See `Store::reroute`.
pub(super) fn reroute(
    conn: &mut Connection,
    id: &str,
    number: u32,
    provider_index: u32,
    at: i64,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE outbound SET state = 'queued', provider_index = ?3, tries = 0, due_at = ?4, rerouted_at = ?4,
                                 claimed_by = NULL, lease_until = NULL
             WHERE id = ?1 AND state = 'accepted' AND rerouted_at IS NULL
               AND (SELECT MAX(number) FROM outbound_attempts WHERE outbound_id = ?1) = ?2",
        )?
        .execute(params![id, number, provider_index, at])?;
    Ok(changed == 1)
}

/// One message's view, in one snapshot.
pub(super) fn outbound(conn: &mut Connection, id: &str) -> rusqlite::Result<Option<OutboundView>> {
    let tx = conn.transaction()?;
    let head = tx
        .prepare_cached(&format!("SELECT {HEAD_COLUMNS} FROM outbound WHERE id = ?1"))?
        .query_row([id], |row| outbound_head(row))
        .optional()?;
    let view = match head {
        Some(head) => Some(rows_of(&tx, head)?.view()),
        None => None,
    };
    tx.commit()?;
    Ok(view)
}

/// Messages accepted after `seq` `after`, oldest first, with their `seq`s.
pub(super) fn outbound_page(
    conn: &mut Connection,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, OutboundView)>> {
    let tx = conn.transaction()?;
    let heads = tx
        .prepare_cached(&format!(
            "SELECT {HEAD_COLUMNS} FROM outbound WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ))?
        .query_map(params![after, sql_limit(limit)], |row| outbound_head(row))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut page = Vec::with_capacity(heads.len());
    for head in heads {
        let seq = head.seq;
        page.push((seq, rows_of(&tx, head)?.view()));
    }
    tx.commit()?;
    Ok(page)
}

/// The attempts, linked provider messages and their events of `head`.
fn rows_of(conn: &Connection, head: OutboundHead) -> rusqlite::Result<OutboundRows> {
    let attempts = attempts(conn, &head.id)?;
    let linked = conn
        .prepare_cached(
            "SELECT provider, message_id, status, status_key, status_at FROM messages WHERE client_message_id = ?1
             UNION
             SELECT m.provider, m.message_id, m.status, m.status_key, m.status_at
             FROM outbound_attempts a
             JOIN messages m ON m.provider = a.provider_id AND m.message_id = a.provider_message_id
             WHERE a.outbound_id = ?1",
        )?
        .query_map([&head.id], |row| linked_message(row))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut events = Vec::new();
    for message in &linked {
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM status_events WHERE provider = ?1 AND message_id = ?2 ORDER BY id"
        ))?;
        let found = statement.query_map(params![message.provider.as_str(), message.message_id], |row| {
            rows::message_event(row)
        })?;
        for event in found {
            events.push(LinkedEvent {
                provider: message.provider,
                message_id: message.message_id.clone(),
                event: event?,
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

/// See `Store::coordinate`.
pub(super) fn coordinate(
    conn: &mut Connection,
    owner: &str,
    now: i64,
    live_within: i64,
) -> rusqlite::Result<Coordination> {
    let tx = conn.transaction()?;
    tx.prepare_cached(
        "INSERT INTO dispatchers (owner, seen_at) VALUES (?1, ?2) ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at",
    )?
    .execute(params![owner, now])?;
    // Long gone: forgotten.
    tx.prepare_cached("DELETE FROM dispatchers WHERE seen_at < ?1")?
        .execute([now.saturating_sub(live_within.saturating_mul(100))])?;
    let replicas: u32 = tx
        .prepare_cached("SELECT COUNT(*) FROM dispatchers WHERE seen_at >= ?1")?
        .query_row([now.saturating_sub(live_within)], |row| row.get(0))?;
    let pauses = tx
        .prepare_cached("SELECT provider, until FROM provider_pauses WHERE until > ?1")?
        .query_map([now], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    tx.commit()?;
    Ok(Coordination { replicas, pauses })
}

/// See `Store::pause_provider`.
pub(super) fn pause_provider(conn: &mut Connection, provider: &str, until: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO provider_pauses (provider, until) VALUES (?1, ?2)
         ON CONFLICT (provider) DO UPDATE SET until = MAX(until, excluded.until)",
    )?
    .execute(params![provider, until])?;
    Ok(())
}
