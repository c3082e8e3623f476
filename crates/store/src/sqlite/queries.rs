//! The SQLite statements other than an ingest's: the query API's reads
//! (rows mapped to views by the shared `rows` mappers, through
//! [`Columns`] for [`rusqlite::Row`]) and the settings table. Each function
//! runs on a connection the caller holds, blocking.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use smsgate_normalize::Provider;
use smsgate_normalize::views::{FeedEvent, InboundView, MessageView, QuarantinedRequest};

use crate::contract::StoredRequest;
use crate::page::sql_limit;
use crate::rows::{self, Columns};

impl Columns for Row<'_> {
    type Error = rusqlite::Error;

    fn int(&self, idx: usize) -> rusqlite::Result<i64> {
        self.get(idx)
    }

    fn opt_int(&self, idx: usize) -> rusqlite::Result<Option<i64>> {
        self.get(idx)
    }

    fn text(&self, idx: usize) -> rusqlite::Result<String> {
        self.get(idx)
    }

    fn opt_text(&self, idx: usize) -> rusqlite::Result<Option<String>> {
        self.get(idx)
    }

    fn bytes(&self, idx: usize) -> rusqlite::Result<Vec<u8>> {
        self.get(idx)
    }

    fn flag(&self, idx: usize) -> rusqlite::Result<bool> {
        self.get(idx)
    }

    fn unexpected(&self, idx: usize, problem: Box<dyn std::error::Error + Send + Sync>) -> rusqlite::Error {
        rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, problem)
    }
}

/// A message and its events, in one snapshot.
pub(super) fn message(
    conn: &mut Connection,
    provider: Provider,
    message_id: String,
) -> rusqlite::Result<Option<MessageView>> {
    let tx = conn.transaction()?;
    let head = tx
        .prepare_cached(
            r#"SELECT client_message_id, "to", "from", status, status_at
               FROM messages WHERE provider = ?1 AND message_id = ?2"#,
        )?
        .query_row(params![provider.as_str(), message_id], |row| rows::message_head(row))
        .optional()?;
    let Some(head) = head else {
        return Ok(None);
    };
    let events = tx
        .prepare_cached(
            "SELECT status, raw_status, raw_code, description, occurred_at, received_at, channel
             FROM status_events WHERE provider = ?1 AND message_id = ?2
             ORDER BY occurred_at ASC NULLS LAST, id",
        )?
        .query_map(params![provider.as_str(), message_id], |row| rows::message_event(row))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(head.with_events(provider, message_id, events)))
}

/// The feed after `?1`, both kinds, as [`rows::feed_event`] reads it.
/// `seq` order is commit order here: SQLite has one writer at a time, so a
/// transaction that takes a `seq` commits before the next one can take a
/// greater one, and a reader's snapshot holds every `seq` up to the
/// greatest it sees. A consumer that resumes from the last `seq` it got can
/// therefore never skip a row.
const EVENTS_PAGE: &str = r#"
    SELECT f.seq, f.status_event_id,
           e.provider, e.message_id, e.client_message_id, e.status, e.raw_status, e.raw_code, e.description,
           e.occurred_at, e.received_at, e.channel,
           f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload
    FROM feed f
    LEFT JOIN status_events e ON e.id = f.status_event_id
    LEFT JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > ?1
    ORDER BY f.seq
    LIMIT ?2"#;

/// Inbound messages after `?1`, as [`rows::inbound_view`] reads them.
/// `inbound_id IS NOT NULL` lets SQLite use the partial index
/// `feed_inbound` rather than step over status rows.
const INBOUND_PAGE: &str = r#"
    SELECT f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload
    FROM feed f
    JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > ?1 AND f.inbound_id IS NOT NULL
    ORDER BY f.seq
    LIMIT ?2"#;

/// Up to `limit` feed events after `after`, and the newest `seq` ever
/// handed out.
pub(super) fn feed_events(conn: &Connection, after: i64, limit: usize) -> rusqlite::Result<(Vec<FeedEvent>, i64)> {
    let events = conn
        .prepare_cached(EVENTS_PAGE)?
        .query_map(params![after, sql_limit(limit)], |row| rows::feed_event(row))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((events, newest_seq(conn)?))
}

/// Up to `limit` inbound messages after `after`, and the newest `seq` ever
/// handed out.
pub(super) fn inbound(conn: &Connection, after: i64, limit: usize) -> rusqlite::Result<(Vec<InboundView>, i64)> {
    let messages = conn
        .prepare_cached(INBOUND_PAGE)?
        .query_map(params![after, sql_limit(limit)], |row| rows::inbound_view(row, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((messages, newest_seq(conn)?))
}

/// The highest feed `seq` handed out (feed rows are never deleted, so no
/// `seq` is ever handed out twice).
fn newest_seq(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM feed")?
        .query_row([], |row| row.get(0))
}

/// Quarantined requests as the query API lists them, oldest first.
pub(super) fn quarantined(conn: &Connection) -> rusqlite::Result<Vec<QuarantinedRequest>> {
    conn.prepare_cached(
        "SELECT id, provider, method, path, received_at, quarantine_error, body
         FROM raw_requests WHERE quarantine_error IS NOT NULL
         ORDER BY id",
    )?
    .query_map([], |row| rows::quarantined_request(row))?
    .collect()
}

/// Quarantined requests as they arrived, oldest first.
pub(super) fn quarantined_raw(conn: &Connection) -> rusqlite::Result<Vec<StoredRequest>> {
    conn.prepare_cached(
        "SELECT id, provider, method, path, query, content_type, body, received_at, quarantine_error
         FROM raw_requests WHERE quarantine_error IS NOT NULL
         ORDER BY id",
    )?
    .query_map([], |row| rows::stored_request(row))?
    .collect()
}

/// The value stored under `key`, storing `value` first if there is none;
/// on the writer connection.
pub(super) fn setting_or_insert(conn: &mut Connection, key: &str, value: &str) -> rusqlite::Result<String> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        params![key, value],
    )?;
    let stored: String = tx.query_row("SELECT value FROM settings WHERE key = ?1", params![key], |row| {
        row.get(0)
    })?;
    tx.commit()?;
    Ok(stored)
}

pub(super) fn put_setting(conn: &mut Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
