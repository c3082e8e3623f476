//! The writes of one callback inside the writer's open transaction: its
//! raw request, then each event not stored before with its feed row and,
//! for a status event, the message's compare-and-set; and the same for the
//! events of a quarantined request replayed later. Every statement is
//! prepared once per connection (`prepare_cached`), taken from that cache
//! once per batch ([`BatchStatements`]) and run with plain parameters:
//! re-preparing costs more than running. No statement has a
//! `RETURNING` clause: SQLite gathers its rows in a temporary B-tree that it
//! opens and closes on every execution, which cost more than the insert
//! itself; an insert's id is the connection's last rowid instead, and a row
//! skipped by `ON CONFLICT DO NOTHING` is one that changed nothing.

use rusqlite::{CachedStatement, Connection, OptionalExtension, TransactionBehavior, params};
use smsgate_normalize::{InboundMessage, StatusEvent};

use crate::contract::{Ingest, IngestOutcome, Parsed, RawRequest};
use crate::search_sql::Milestones;

const INSERT_RAW_REQUEST: &str = "
    INSERT INTO raw_requests (provider, method, path, query, content_type, body, received_at, quarantine_error)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

const INSERT_STATUS_EVENT: &str = "
    INSERT INTO status_events (provider, message_id, dedup_key, status, raw_status, raw_code, description,
                               occurred_at, received_at, channel, client_message_id, raw_request_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (provider, dedup_key) DO NOTHING";

/// Before the compare-and-set, whether the new event (status ?3, precedence
/// key ?4) will move the message to another status: NULL when there is no
/// message yet, else true or false.
const MOVES_STATUS: &str = "
    SELECT status <> ?3 AND ?4 > status_key FROM messages WHERE provider = ?1 AND message_id = ?2";

/// The compare-and-set that moves a message's status, run after its new
/// event is inserted. The status becomes the event's only if the event's
/// precedence key is greater. The keys compare bytewise (SQLite's BINARY
/// collation; PostgreSQL needs `COLLATE "C"` on `status_key`).
///
/// `status_at` is the earliest provider time among the stored events
/// carrying the message's status. A new message has one event: its time
/// (?8). An event of the status the message has already can only make it
/// earlier (`MIN` of two, either of them NULL). An event that moves the
/// message to another status leaves it to [`SET_STATUS_AT`], run only then.
/// Status and `status_at` are both functions of the set of stored events,
/// so the result does not depend on arrival order; so are the search's
/// times (`first_seen_at`, `submitted_at`, `delivered_at`: see
/// `search_sql.rs`), each the earlier of the two, a NULL being no time.
const UPSERT_MESSAGE: &str = r#"
    INSERT INTO messages (provider, message_id, client_message_id, "to", "from", status, status_key, status_at,
                          first_seen_at, submitted_at, delivered_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
    ON CONFLICT (provider, message_id) DO UPDATE SET
        status = CASE WHEN excluded.status_key > messages.status_key
                      THEN excluded.status ELSE messages.status END,
        status_key = CASE WHEN excluded.status_key > messages.status_key
                          THEN excluded.status_key ELSE messages.status_key END,
        status_at = CASE WHEN excluded.status = messages.status
                         THEN COALESCE(MIN(messages.status_at, excluded.status_at),
                                       messages.status_at, excluded.status_at)
                         ELSE messages.status_at END,
        client_message_id = COALESCE(messages.client_message_id, excluded.client_message_id),
        "to" = COALESCE(messages."to", excluded."to"),
        "from" = COALESCE(messages."from", excluded."from"),
        first_seen_at = MIN(messages.first_seen_at, excluded.first_seen_at),
        submitted_at = COALESCE(MIN(messages.submitted_at, excluded.submitted_at),
                                messages.submitted_at, excluded.submitted_at),
        delivered_at = COALESCE(MIN(messages.delivered_at, excluded.delivered_at),
                                messages.delivered_at, excluded.delivered_at)"#;

/// After an event moved the message to another status: `status_at`
/// recomputed over the stored events of that status. (A separate
/// statement, run only then: with the subquery inside the upsert, SQLite
/// re-prepared the upsert on every execution, which cost more than the rest
/// of an ingest.)
const SET_STATUS_AT: &str = "
    UPDATE messages SET status_at =
        (SELECT MIN(e.occurred_at) FROM status_events e
         WHERE e.provider = messages.provider AND e.message_id = messages.message_id
           AND e.status = messages.status)
    WHERE provider = ?1 AND message_id = ?2";

const INSERT_INBOUND: &str = r#"
    INSERT INTO inbound_messages (provider, message_id, related_message_id, "from", "to", channel, "type", text,
                                  occurred_at, received_at, payload, raw_request_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (provider, message_id) DO NOTHING"#;

const INSERT_FEED_STATUS: &str = "INSERT INTO feed (status_event_id) VALUES (?1)";
const INSERT_FEED_INBOUND: &str = "INSERT INTO feed (inbound_id) VALUES (?1)";

/// The statements of one batch, on the writer connection inside its open
/// transaction: each taken from the connection's statement cache at its
/// first use in the batch and given back when the batch ends. A lookup
/// hashes the statement's SQL text and giving it back clears its bindings,
/// about 1.7k instructions a statement; a batch of many callbacks pays that
/// once for each statement, not once for each callback.
pub(super) struct BatchStatements<'conn> {
    conn: &'conn Connection,
    taken: Vec<(&'static str, CachedStatement<'conn>)>,
}

impl<'conn> BatchStatements<'conn> {
    pub(super) fn new(conn: &'conn Connection) -> BatchStatements<'conn> {
        BatchStatements {
            conn,
            taken: Vec::with_capacity(8),
        }
    }

    /// The statement of `sql`, prepared once per connection.
    fn get(&mut self, sql: &'static str) -> rusqlite::Result<&mut CachedStatement<'conn>> {
        // The same constant is nearly always the same address: compared first.
        let same = |taken: &&str| std::ptr::eq(*taken, sql) || *taken == sql;
        let index = match self.taken.iter().position(|(taken, _)| same(taken)) {
            Some(index) => index,
            None => {
                self.taken.push((sql, self.conn.prepare_cached(sql)?));
                self.taken.len() - 1
            }
        };
        Ok(&mut self.taken[index].1)
    }
}

/// Stores one ingest inside an open write transaction (or its savepoint): the
/// raw request, then each event not stored before with its feed row (and,
/// for a status event, the message's compare-and-set). The caller commits.
pub(super) fn ingest_in_tx(tx: &mut BatchStatements<'_>, ingest: &Ingest) -> rusqlite::Result<IngestOutcome> {
    let raw = &ingest.raw;
    let quarantine_error = match &ingest.parsed {
        Parsed::Quarantined { error } => Some(error.as_str()),
        Parsed::Events { .. } => None,
    };
    let raw_request_id = insert_raw_request(tx, raw, quarantine_error)?;
    let mut outcome = IngestOutcome {
        quarantined: quarantine_error.is_some(),
        ..IngestOutcome::default()
    };
    let Parsed::Events { status, inbound } = &ingest.parsed else {
        return Ok(outcome);
    };
    insert_events(tx, status, inbound, raw.received_at, raw_request_id, &mut outcome)?;
    Ok(outcome)
}

/// Stores each event not stored before with its feed row (and, for a status
/// event, the message's compare-and-set), counting into `outcome`.
fn insert_events(
    tx: &mut BatchStatements<'_>,
    status: &[StatusEvent],
    inbound: &[InboundMessage],
    received_at: i64,
    raw_request_id: i64,
    outcome: &mut IngestOutcome,
) -> rusqlite::Result<()> {
    for event in status {
        if insert_status_event(tx, event, received_at, raw_request_id)? {
            outcome.status_events_stored += 1;
        } else {
            outcome.duplicates += 1;
        }
    }
    for message in inbound {
        if insert_inbound(tx, message, received_at, raw_request_id)? {
            outcome.inbound_stored += 1;
        } else {
            outcome.duplicates += 1;
        }
    }
    Ok(())
}

/// Stores the events of quarantined request `id` and clears its quarantine
/// (nothing when it is not quarantined), in a transaction of its own.
pub(super) fn resolve_quarantined(
    conn: &mut Connection,
    id: i64,
    status: &[StatusEvent],
    inbound: &[InboundMessage],
) -> rusqlite::Result<IngestOutcome> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcome = resolve_in_tx(&tx, id, status, inbound)?;
    tx.commit()?;
    Ok(outcome)
}

/// Stores the events of quarantined request `id` and clears its quarantine,
/// inside an open write transaction; nothing when it is not quarantined.
fn resolve_in_tx(
    tx: &Connection,
    id: i64,
    status: &[StatusEvent],
    inbound: &[InboundMessage],
) -> rusqlite::Result<IngestOutcome> {
    let mut outcome = IngestOutcome::default();
    let received_at: Option<i64> = tx
        .prepare_cached("SELECT received_at FROM raw_requests WHERE id = ?1 AND quarantine_error IS NOT NULL")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let Some(received_at) = received_at else {
        return Ok(outcome);
    };
    insert_events(
        &mut BatchStatements::new(tx),
        status,
        inbound,
        received_at,
        id,
        &mut outcome,
    )?;
    tx.prepare_cached("UPDATE raw_requests SET quarantine_error = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(outcome)
}

fn insert_raw_request(
    tx: &mut BatchStatements<'_>,
    raw: &RawRequest,
    quarantine_error: Option<&str>,
) -> rusqlite::Result<i64> {
    tx.get(INSERT_RAW_REQUEST)?.execute(params![
        raw.provider.as_str(),
        raw.method,
        raw.path,
        raw.query,
        raw.content_type,
        raw.body,
        raw.received_at,
        quarantine_error,
    ])?;
    Ok(tx.conn.last_insert_rowid())
}

/// Runs an `INSERT ... ON CONFLICT DO NOTHING` prepared once: the new row's
/// id, or `None` when the row was there already (nothing inserted).
fn insert_if_new(
    tx: &mut BatchStatements<'_>,
    sql: &'static str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Option<i64>> {
    let inserted = tx.get(sql)?.execute(params)?;
    Ok((inserted > 0).then(|| tx.conn.last_insert_rowid()))
}

/// Returns whether the event was new (false: a duplicate, nothing changed).
fn insert_status_event(
    tx: &mut BatchStatements<'_>,
    event: &StatusEvent,
    received_at: i64,
    raw_request_id: i64,
) -> rusqlite::Result<bool> {
    let provider = event.provider.as_str();
    let status = event.status.as_str();
    let id = insert_if_new(
        tx,
        INSERT_STATUS_EVENT,
        params![
            provider,
            event.message_id,
            event.dedup_key,
            status,
            event.raw_status,
            event.raw_code,
            event.description,
            event.occurred_at,
            received_at,
            event.channel,
            event.client_message_id,
            raw_request_id,
        ],
    )?;
    let Some(id) = id else {
        return Ok(false);
    };
    tx.get(INSERT_FEED_STATUS)?.execute([id])?;
    let key = event.status.precedence_key(event.occurred_at);
    let times = Milestones::of(event, received_at);
    let moves_status: Option<bool> = tx
        .get(MOVES_STATUS)?
        .query_row(params![provider, event.message_id, status, key], |row| row.get(0))
        .optional()?;
    tx.get(UPSERT_MESSAGE)?.execute(params![
        provider,
        event.message_id,
        event.client_message_id,
        event.to,
        event.from,
        status,
        key,
        event.occurred_at,
        times.first_seen_at,
        times.submitted_at,
        times.delivered_at,
    ])?;
    if moves_status == Some(true) {
        tx.get(SET_STATUS_AT)?.execute(params![provider, event.message_id])?;
    }
    Ok(true)
}

/// Returns whether the message was new.
fn insert_inbound(
    tx: &mut BatchStatements<'_>,
    message: &InboundMessage,
    received_at: i64,
    raw_request_id: i64,
) -> rusqlite::Result<bool> {
    let id = insert_if_new(
        tx,
        INSERT_INBOUND,
        params![
            message.provider.as_str(),
            message.message_id,
            message.related_message_id,
            message.from,
            message.to,
            message.channel,
            message.kind.as_str(),
            message.text,
            message.occurred_at,
            received_at,
            message.payload.to_string(),
            raw_request_id,
        ],
    )?;
    let Some(id) = id else {
        return Ok(false);
    };
    tx.get(INSERT_FEED_INBOUND)?.execute([id])?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;
    use smsgate_normalize::{Provider, Status};

    use super::super::open::{configure_writer, migrate};
    use super::*;

    #[test]
    /// Re-preparing a statement costs more than running it: the ingest path must never do it.
    fn ingest_statements_are_prepared_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let mut conn = Connection::open(&path).unwrap();
        configure_writer(&conn, false).unwrap();
        migrate(&mut conn).unwrap();
        // Two events a message: the first creates it, the second moves its status.
        for i in 0..20 {
            let tx = conn.transaction().unwrap();
            let event = StatusEvent {
                provider: Provider::Smarthive,
                message_id: format!("m{}", i / 2),
                client_message_id: None,
                to: None,
                from: None,
                status: if i % 2 == 0 {
                    Status::Accepted
                } else {
                    Status::Delivered
                },
                raw_status: Some("D".into()),
                raw_code: None,
                description: None,
                occurred_at: Some(i),
                channel: None,
                dedup_key: format!("k{i}"),
            };
            let ingest = Ingest {
                raw: RawRequest {
                    provider: Provider::Smarthive,
                    method: "POST".into(),
                    path: "/x".into(),
                    query: None,
                    content_type: None,
                    body: vec![1],
                    received_at: 1,
                },
                parsed: Parsed::Events {
                    status: vec![event],
                    inbound: Vec::new(),
                },
            };
            ingest_in_tx(&mut BatchStatements::new(&tx), &ingest).unwrap();
            tx.commit().unwrap();
        }
        for (name, sql, runs) in [
            ("raw", INSERT_RAW_REQUEST, 20),
            ("status", INSERT_STATUS_EVENT, 20),
            ("feed", INSERT_FEED_STATUS, 20),
            ("moves", MOVES_STATUS, 20),
            ("upsert", UPSERT_MESSAGE, 20),
            ("status_at", SET_STATUS_AT, 10),
        ] {
            let stmt = conn.prepare_cached(sql).unwrap();
            assert_eq!(stmt.get_status(StatementStatus::Run), runs, "{name}");
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{name} is re-prepared");
        }
    }
}
