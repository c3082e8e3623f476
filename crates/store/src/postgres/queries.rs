//! The PostgreSQL statements other than a batch's writes: the query API's
//! reads (rows mapped to views by the shared `rows` mappers, through
//! [`Columns`] for [`tokio_postgres::Row`]) and the settings table. Each
//! takes a connection from the pool; the caller puts the deadline on it.

use deadpool_postgres::Pool;
use smsgate_normalize::Provider;
use smsgate_normalize::views::{FeedEvent, InboundView, MessageView, QuarantinedRequest};
use tokio_postgres::{IsolationLevel, Row};

use super::errors::{get, pg_error, pool_error};
use crate::contract::{StoreError, StoredRequest};
use crate::page::sql_limit;
use crate::rows::{self, Columns};

impl Columns for Row {
    type Error = StoreError;

    fn int(&self, idx: usize) -> Result<i64, StoreError> {
        get(self, idx)
    }

    fn opt_int(&self, idx: usize) -> Result<Option<i64>, StoreError> {
        get(self, idx)
    }

    fn text(&self, idx: usize) -> Result<String, StoreError> {
        get(self, idx)
    }

    fn opt_text(&self, idx: usize) -> Result<Option<String>, StoreError> {
        get(self, idx)
    }

    fn bytes(&self, idx: usize) -> Result<Vec<u8>, StoreError> {
        get(self, idx)
    }

    fn flag(&self, idx: usize) -> Result<bool, StoreError> {
        get(self, idx)
    }

    fn unexpected(&self, idx: usize, problem: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
        StoreError::Other(format!("{problem} in column {idx}"))
    }
}

/// A message and its events, in one snapshot.
pub(super) async fn message(
    pool: &Pool,
    provider: Provider,
    message_id: &str,
) -> Result<Option<MessageView>, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_error)?;
    let head = tx
        .query_opt(
            r#"SELECT client_message_id, "to", "from", status, status_at
               FROM messages WHERE provider = $1 AND message_id = $2"#,
            &[&provider.as_str(), &message_id],
        )
        .await
        .map_err(pg_error)?;
    let Some(head) = head else {
        return Ok(None);
    };
    let events = tx
        .query(
            "SELECT status, raw_status, raw_code, description, occurred_at, received_at, channel
             FROM status_events WHERE provider = $1 AND message_id = $2
             ORDER BY occurred_at ASC NULLS LAST, id",
            &[&provider.as_str(), &message_id],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(rows::message_event)
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit().await.map_err(pg_error)?;
    Ok(Some(rows::message_head(&head)?.with_events(
        provider,
        message_id.to_string(),
        events,
    )))
}

/// The feed after `$1`, both kinds, as [`rows::feed_event`] reads it, in
/// `seq` order, which is commit order (see `locks.rs`): one statement, one
/// snapshot, and a snapshot that holds some seq holds every committed seq
/// below it.
const EVENTS_PAGE: &str = r#"
    SELECT f.seq, f.status_event_id,
           e.provider, e.message_id, e.client_message_id, e.status, e.raw_status, e.raw_code, e.description,
           e.occurred_at, e.received_at, e.channel,
           f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload::text
    FROM feed f
    LEFT JOIN status_events e ON e.id = f.status_event_id
    LEFT JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > $1
    ORDER BY f.seq
    LIMIT $2"#;

/// Inbound messages after `$1`, as [`rows::inbound_view`] reads them.
const INBOUND_PAGE: &str = r#"
    SELECT f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload::text
    FROM feed f
    JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > $1 AND f.inbound_id IS NOT NULL
    ORDER BY f.seq
    LIMIT $2"#;

/// The highest feed `seq` ever handed out (a sequence never hands one out
/// twice, committed or not).
const NEWEST_SEQ: &str = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM feed_seq";

/// Up to `limit` feed events after `after`, and the newest `seq` ever
/// handed out.
pub(super) async fn feed_events(pool: &Pool, after: i64, limit: usize) -> Result<(Vec<FeedEvent>, i64), StoreError> {
    let (rows, newest) = feed_page(pool, EVENTS_PAGE, after, limit).await?;
    let events = rows.iter().map(rows::feed_event).collect::<Result<Vec<_>, _>>()?;
    Ok((events, newest))
}

/// Up to `limit` inbound messages after `after`, and the newest `seq` ever
/// handed out.
pub(super) async fn inbound(pool: &Pool, after: i64, limit: usize) -> Result<(Vec<InboundView>, i64), StoreError> {
    let (rows, newest) = feed_page(pool, INBOUND_PAGE, after, limit).await?;
    let messages = rows
        .iter()
        .map(|row| rows::inbound_view(row, 0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((messages, newest))
}

/// Rows of `page` after `after`, and the newest seq ever handed out.
async fn feed_page(pool: &Pool, page: &str, after: i64, limit: usize) -> Result<(Vec<Row>, i64), StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let statement = client.prepare_cached(page).await.map_err(pg_error)?;
    let rows = client
        .query(&statement, &[&after, &sql_limit(limit)])
        .await
        .map_err(pg_error)?;
    let newest = client.query_one(NEWEST_SEQ, &[]).await.map_err(pg_error)?;
    Ok((rows, get(&newest, 0)?))
}

/// Quarantined requests as the query API lists them, oldest first.
pub(super) async fn quarantined(pool: &Pool) -> Result<Vec<QuarantinedRequest>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .query(
            "SELECT id, provider, method, path, received_at, quarantine_error, body
             FROM raw_requests WHERE quarantine_error IS NOT NULL
             ORDER BY id",
            &[],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(rows::quarantined_request)
        .collect()
}

/// Quarantined requests as they arrived, oldest first.
pub(super) async fn quarantined_raw(pool: &Pool) -> Result<Vec<StoredRequest>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .query(
            "SELECT id, provider, method, path, query, content_type, body, received_at, quarantine_error
             FROM raw_requests WHERE quarantine_error IS NOT NULL
             ORDER BY id",
            &[],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(rows::stored_request)
        .collect()
}

/// The value stored under `key`, storing `value` first if there is none.
pub(super) async fn setting_or_insert(pool: &Pool, key: &str, value: &str) -> Result<String, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        &[&key, &value],
    )
    .await
    .map_err(pg_error)?;
    // A new statement: sees a value another replica committed meanwhile.
    let row = tx
        .query_one("SELECT value FROM settings WHERE key = $1", &[&key])
        .await
        .map_err(pg_error)?;
    let stored: String = get(&row, 0)?;
    tx.commit().await.map_err(pg_error)?;
    Ok(stored)
}

pub(super) async fn put_setting(pool: &Pool, key: &str, value: &str) -> Result<(), StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .await
        .map_err(pg_error)?;
    Ok(())
}
