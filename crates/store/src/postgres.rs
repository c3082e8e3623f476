//! The PostgreSQL backend, for several receiver replicas sharing one
//! database (`--database postgres://user@host/db`).
//!
//! Connections come from a deadpool pool (no TLS: `NoTls`). Every connection
//! runs with a server-side `statement_timeout`, connecting has a timeout, the
//! pool has wait/create/recycle timeouts, and every store call as a whole has
//! a deadline, so a PostgreSQL that is down or slow gives
//! [`StoreError::Unavailable`] (503 + Retry-After) rather than a hang. Broken
//! connections are dropped by the pool and new ones made on the next call, so
//! the receiver recovers by itself when the server comes back.
//!
//! The semantics are SQLite's (see `sqlite.rs`):
//! - dedup by the unique constraints `(provider, dedup_key)` and
//!   `(provider, message_id)`, which hold across replicas (a concurrent
//!   insert of the same key waits for the other transaction, then does
//!   nothing if it committed);
//! - a message's status moves by the one compare-and-set upsert of
//!   `sqlite.rs` on `status_key` (`COLLATE "C"`). Its `status_at` subquery
//!   reads the stored events, and under READ COMMITTED a statement only sees
//!   what committed before it started; so each transaction first takes a
//!   transaction-level advisory lock on the message (in a statement of its
//!   own), and the upsert that follows sees every event of every transaction
//!   that held the lock before. The last one to update a message therefore
//!   sees all its events. Locks are taken in one global order (sorted by
//!   lock key) so that two ingests cannot deadlock;
//! - the feed: see [`FEED_LOCK`].
//!
//! Migrations (`postgres/migrations/`) run at open in one transaction under
//! an advisory lock, so replicas starting together apply them once; the
//! version is kept in `smsgate_schema_version`.

use std::str::FromStr;
use std::time::Duration;

use crate::page::{body_text, parse_cursor, refuse_cursor_from_the_future, sql_limit};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};
use smsgate_receiver_api::views::{
    EventsPage, FeedEvent, InboundPage, InboundView, MessageEventView, MessageView, QuarantinedRequest, StatusFeedEvent,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::{IsolationLevel, NoTls, Row};

use crate::{Ingest, IngestOutcome, Parsed, RawRequest, Store, StoreError, StoredRequest};

/// Migrations in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[include_str!("postgres/migrations/0001_init.sql")];

/// Advisory lock (64-bit key space) held while migrating.
const MIGRATION_LOCK: i64 = 0x736d_7367_6d69_6772; // "smsgmigr"

/// Takes the advisory lock (64-bit key space) under which feed positions
/// are taken: one per feed table (its key is the table's OID over a fixed
/// base), so that stores in different schemas of one database do not wait
/// for each other.
///
/// A plain sequence is not enough with concurrent writers: transaction A
/// takes seq 5, B takes seq 6 and commits first; a consumer polling then
/// sees 6, moves its cursor to 6 and never sees 5 when A commits. So an
/// ingest takes this transaction-level lock just before inserting its feed
/// rows (after everything else it writes) and holds it until it commits or
/// rolls back. A transaction therefore takes its seqs only after every
/// transaction that took smaller ones has finished, and PostgreSQL makes a
/// commit visible before it releases the committing transaction's locks:
/// seqs become visible in commit order, and a snapshot that sees seq N sees
/// every committed seq below N. A rolled-back transaction leaves a gap,
/// never a row that appears later. This is commit-ordered sequencing; its
/// price is that the last step of ingests (feed rows and the commit's
/// flush) is serial across all replicas.
const FEED_LOCK: &str = PostgresStore::TAKE_FEED_LOCK;

/// Advisory locks on messages use the two-key space (which does not overlap
/// the 64-bit one): the `messages` table's OID, so that stores in different
/// schemas do not wait for each other, and a hash of the message.
const MESSAGES_OID: &str = "SELECT 'messages'::regclass::oid::bigint";

/// How a [`PostgresStore`] connects; [`Default`] is what the receiver uses.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Server-side limit for one statement (`statement_timeout`), unless
    /// the URL's `options` set one.
    pub statement_timeout: Duration,
    /// Limit for opening a connection, unless the URL sets `connect_timeout`.
    pub connect_timeout: Duration,
    /// Limit for one store call as a whole (waiting for a connection
    /// included); past it the call fails with [`StoreError::Unavailable`].
    pub call_timeout: Duration,
    /// Connections in the pool.
    pub pool_size: usize,
    /// Schema to use (`search_path`), when not the database's default.
    pub schema: Option<String>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            statement_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(15),
            pool_size: 16,
            schema: None,
        }
    }
}

pub struct PostgresStore {
    pool: Pool,
    call_timeout: Duration,
    /// The first key of message locks (see [`MESSAGES_OID`]).
    message_lock_class: i32,
}

impl PostgresStore {
    /// The statement that takes the feed lock in the current transaction
    /// (see the module docs); public so that tests can act as a slow writer.
    /// The base is "smsg" << 32.
    pub const TAKE_FEED_LOCK: &str =
        "SELECT pg_advisory_xact_lock(8317430973041999872 + 'feed'::regclass::oid::bigint)";

    /// Connects to the database `url` names (`postgres://user@host/db`) and
    /// runs the migrations it lacks.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, PostgresOptions::default()).await
    }

    pub async fn open_with(url: &str, options: PostgresOptions) -> Result<PostgresStore, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|err| StoreError::Other(format!("bad PostgreSQL URL: {err}")))?;
        // The URL's own settings win: its `options` (say, a
        // statement_timeout of its own) and its `connect_timeout`.
        let mut server_options = config.get_options().unwrap_or_default().to_string();
        if !server_options.contains("statement_timeout") {
            server_options.push_str(&format!(
                " -c statement_timeout={}",
                options.statement_timeout.as_millis().max(1)
            ));
        }
        if let Some(schema) = &options.schema {
            if schema.is_empty() || !schema.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(StoreError::Other(format!("unsupported schema name `{schema}`")));
            }
            server_options.push_str(&format!(" -c search_path={schema}"));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        config
            .options(server_options.trim())
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("smsgate");
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.call_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|err| StoreError::Other(format!("cannot build the connection pool: {err}")))?;
        let mut store = PostgresStore {
            pool,
            call_timeout: options.call_timeout,
            message_lock_class: 0,
        };
        store.within_deadline(store.migrate()).await?;
        let oid: i64 = store
            .within_deadline(async {
                let row = store
                    .client()
                    .await?
                    .query_one(MESSAGES_OID, &[])
                    .await
                    .map_err(pg_error)?;
                get(&row, 0)
            })
            .await?;
        // An OID is 32 bits unsigned; the key is the same bits signed.
        store.message_lock_class = oid as u32 as i32;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Runs one store call under [`PostgresOptions::call_timeout`]. A call
    /// cut short rolls back (tokio-postgres rolls a dropped transaction
    /// back); if it had committed after all, the provider's retry is a
    /// duplicate, never a loss.
    async fn within_deadline<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(format!(
                "PostgreSQL did not answer within {:?}",
                self.call_timeout
            ))),
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_error)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS smsgate_schema_version (version INTEGER NOT NULL)")
            .await
            .map_err(pg_error)?;
        let version: i32 = tx
            .query_opt("SELECT version FROM smsgate_schema_version", &[])
            .await
            .map_err(pg_error)?
            .map_or(Ok(0), |row| row.try_get(0))
            .map_err(pg_error)?;
        let known = MIGRATIONS.len() as i32;
        if !(0..=known).contains(&version) {
            return Err(StoreError::Other(format!(
                "the database has schema version {version}, this smsgate knows versions up to {known}"
            )));
        }
        for sql in MIGRATIONS.iter().skip(version as usize) {
            tx.batch_execute(sql).await.map_err(pg_error)?;
        }
        if version < known {
            tx.execute("DELETE FROM smsgate_schema_version", &[])
                .await
                .map_err(pg_error)?;
            tx.execute("INSERT INTO smsgate_schema_version (version) VALUES ($1)", &[&known])
                .await
                .map_err(pg_error)?;
        }
        tx.commit().await.map_err(pg_error)
    }

    async fn ingest_now(&self, ingest: Ingest) -> Result<IngestOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let raw = &ingest.raw;
        let quarantine_error = match &ingest.parsed {
            Parsed::Quarantined { error } => Some(error.as_str()),
            Parsed::Events { .. } => None,
        };
        let raw_request_id = insert_raw_request(&tx, raw, quarantine_error).await?;
        let mut outcome = IngestOutcome {
            quarantined: quarantine_error.is_some(),
            ..IngestOutcome::default()
        };
        if let Parsed::Events { status, inbound } = &ingest.parsed {
            self.insert_events(&tx, status, inbound, raw.received_at, raw_request_id, &mut outcome)
                .await?;
        }
        // A failed COMMIT is an error, never an acknowledged outcome.
        tx.commit().await.map_err(pg_error)?;
        Ok(outcome)
    }

    /// Stores each event not stored before, as an ingest does: status
    /// events under their messages' locks (taken in lock order), then the
    /// feed rows under the feed lock, last. Counts into `outcome`.
    async fn insert_events(
        &self,
        tx: &Tx<'_>,
        status: &[StatusEvent],
        inbound: &[InboundMessage],
        received_at: i64,
        raw_request_id: i64,
        outcome: &mut IngestOutcome,
    ) -> Result<(), StoreError> {
        // Status events in lock order (see the module docs); feed rows
        // in the order the events came.
        let mut order: Vec<usize> = (0..status.len()).collect();
        order.sort_by_cached_key(|&i| {
            let e = &status[i];
            (
                message_lock_key(e.provider, &e.message_id),
                e.provider.as_str(),
                e.message_id.clone(),
            )
        });
        let mut status_ids = vec![None; status.len()];
        for i in order {
            let lock = (self.message_lock_class, &status[i]);
            status_ids[i] = insert_status_event(tx, lock, received_at, raw_request_id).await?;
        }
        let mut order: Vec<usize> = (0..inbound.len()).collect();
        order.sort_by(|&a, &b| {
            (inbound[a].provider.as_str(), &inbound[a].message_id)
                .cmp(&(inbound[b].provider.as_str(), &inbound[b].message_id))
        });
        let mut inbound_ids = vec![None; inbound.len()];
        for i in order {
            inbound_ids[i] = insert_inbound(tx, &inbound[i], received_at, raw_request_id).await?;
        }
        outcome.status_events_stored = status_ids.iter().flatten().count();
        outcome.inbound_stored = inbound_ids.iter().flatten().count();
        outcome.duplicates = status.len() + inbound.len() - outcome.status_events_stored - outcome.inbound_stored;
        if outcome.status_events_stored + outcome.inbound_stored > 0 {
            // Last writes before the commit: see FEED_LOCK.
            tx.execute(FEED_LOCK, &[]).await.map_err(pg_error)?;
            let feed_status = tx
                .prepare_cached("INSERT INTO feed (status_event_id) VALUES ($1)")
                .await
                .map_err(pg_error)?;
            for id in status_ids.iter().flatten() {
                tx.execute(&feed_status, &[id]).await.map_err(pg_error)?;
            }
            let feed_inbound = tx
                .prepare_cached("INSERT INTO feed (inbound_id) VALUES ($1)")
                .await
                .map_err(pg_error)?;
            for id in inbound_ids.iter().flatten() {
                tx.execute(&feed_inbound, &[id]).await.map_err(pg_error)?;
            }
        }
        Ok(())
    }

    async fn resolve_now(
        &self,
        id: i64,
        status: &[StatusEvent],
        inbound: &[InboundMessage],
    ) -> Result<IngestOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let mut outcome = IngestOutcome::default();
        // The row lock makes a concurrent replay of the same request wait
        // for this one; under READ COMMITTED it then re-checks the
        // condition, finds the quarantine cleared, and stores nothing.
        let row = tx
            .query_opt(
                "SELECT received_at FROM raw_requests WHERE id = $1 AND quarantine_error IS NOT NULL FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(pg_error)?;
        let Some(row) = row else {
            return Ok(outcome);
        };
        let received_at: i64 = get(&row, 0)?;
        tx.execute("UPDATE raw_requests SET quarantine_error = NULL WHERE id = $1", &[&id])
            .await
            .map_err(pg_error)?;
        // The feed rows stay the last writes before the commit (FEED_LOCK).
        self.insert_events(&tx, status, inbound, received_at, id, &mut outcome)
            .await?;
        // A failed COMMIT is an error, never an acknowledged outcome.
        tx.commit().await.map_err(pg_error)?;
        Ok(outcome)
    }
}

/// The lock key of a message: a stable hash (FNV-1a) of provider and id.
fn message_lock_key(provider: Provider, message_id: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in provider.as_str().bytes().chain([0]).chain(message_id.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash as i32
}

fn pool_error(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => pg_error(err),
        PoolError::Timeout(kind) => StoreError::Unavailable(format!("no PostgreSQL connection ({kind:?} timed out)")),
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".into()),
        other => StoreError::Other(format!("connection pool: {other}")),
    }
}

/// Errors the provider should retry (answered 503 + Retry-After) versus the
/// rest: connection trouble, timeouts (statement_timeout's `query_canceled`
/// included), a server shutting down or out of resources, lock conflicts.
fn pg_error(err: tokio_postgres::Error) -> StoreError {
    let transient = match err.code() {
        Some(code) => {
            let class = &code.code()[..2];
            matches!(class, "08" | "53" | "57" | "58" | "40" | "55")
                || *code == SqlState::READ_ONLY_SQL_TRANSACTION
                || *code == SqlState::TOO_MANY_CONNECTIONS
        }
        // No SQLSTATE: the connection failed, closed, or timed out (errors
        // converting values are bugs, and say so).
        None => {
            let text = err.to_string();
            err.is_closed()
                || text.starts_with("error connecting")
                || text.starts_with("error communicating")
                || text.starts_with("timeout")
                || text.starts_with("error performing TLS")
                || text.starts_with("unexpected message")
        }
    };
    let text = match err.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => {
            // With its causes (say, "Connection refused").
            let mut text = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text = format!("{text}: {cause_text}");
                }
                source = cause.source();
            }
            text
        }
    };
    if transient {
        StoreError::Unavailable(text)
    } else {
        StoreError::Other(text)
    }
}

const INSERT_RAW_REQUEST: &str = "
    INSERT INTO raw_requests (provider, method, path, query, content_type, body, received_at, quarantine_error)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING id";

const INSERT_STATUS_EVENT: &str = "
    INSERT INTO status_events (provider, message_id, dedup_key, status, raw_status, raw_code, description,
                               occurred_at, received_at, channel, client_message_id, raw_request_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
    ON CONFLICT (provider, dedup_key) DO NOTHING
    RETURNING id";

const LOCK_MESSAGE: &str = "SELECT pg_advisory_xact_lock($1, $2)";

/// `sqlite.rs`'s compare-and-set, in PostgreSQL's spelling.
const UPSERT_MESSAGE: &str = r#"
    INSERT INTO messages AS m (provider, message_id, client_message_id, "to", "from", status, status_key, status_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7,
            (SELECT MIN(e.occurred_at) FROM status_events e
             WHERE e.provider = $1 AND e.message_id = $2 AND e.status = $6))
    ON CONFLICT (provider, message_id) DO UPDATE SET
        status = CASE WHEN EXCLUDED.status_key > m.status_key THEN EXCLUDED.status ELSE m.status END,
        status_key = CASE WHEN EXCLUDED.status_key > m.status_key THEN EXCLUDED.status_key ELSE m.status_key END,
        status_at = (SELECT MIN(e.occurred_at) FROM status_events e
                     WHERE e.provider = EXCLUDED.provider AND e.message_id = EXCLUDED.message_id
                       AND e.status = CASE WHEN EXCLUDED.status_key > m.status_key
                                           THEN EXCLUDED.status ELSE m.status END),
        client_message_id = COALESCE(m.client_message_id, EXCLUDED.client_message_id),
        "to" = COALESCE(m."to", EXCLUDED."to"),
        "from" = COALESCE(m."from", EXCLUDED."from")"#;

const INSERT_INBOUND: &str = r#"
    INSERT INTO inbound_messages (provider, message_id, related_message_id, "from", "to", channel, "type", text,
                                  occurred_at, received_at, payload, raw_request_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::json, $12)
    ON CONFLICT (provider, message_id) DO NOTHING
    RETURNING id"#;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

async fn insert_raw_request(tx: &Tx<'_>, raw: &RawRequest, quarantine_error: Option<&str>) -> Result<i64, StoreError> {
    let statement = tx.prepare_cached(INSERT_RAW_REQUEST).await.map_err(pg_error)?;
    let row = tx
        .query_one(
            &statement,
            &[
                &raw.provider.as_str(),
                &raw.method,
                &raw.path,
                &raw.query,
                &raw.content_type,
                &raw.body,
                &raw.received_at,
                &quarantine_error,
            ],
        )
        .await
        .map_err(pg_error)?;
    row.try_get(0).map_err(pg_error)
}

/// The new event's id, or `None` for a duplicate (nothing changed).
async fn insert_status_event(
    tx: &Tx<'_>,
    (lock_class, event): (i32, &StatusEvent),
    received_at: i64,
    raw_request_id: i64,
) -> Result<Option<i64>, StoreError> {
    let provider = event.provider.as_str();
    let status = event.status.as_str();
    let lock = tx.prepare_cached(LOCK_MESSAGE).await.map_err(pg_error)?;
    tx.execute(
        &lock,
        &[&lock_class, &message_lock_key(event.provider, &event.message_id)],
    )
    .await
    .map_err(pg_error)?;
    let statement = tx.prepare_cached(INSERT_STATUS_EVENT).await.map_err(pg_error)?;
    let row = tx
        .query_opt(
            &statement,
            &[
                &provider,
                &event.message_id,
                &event.dedup_key,
                &status,
                &event.raw_status,
                &event.raw_code,
                &event.description,
                &event.occurred_at,
                &received_at,
                &event.channel,
                &event.client_message_id,
                &raw_request_id,
            ],
        )
        .await
        .map_err(pg_error)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.try_get(0).map_err(pg_error)?;
    let upsert = tx.prepare_cached(UPSERT_MESSAGE).await.map_err(pg_error)?;
    tx.execute(
        &upsert,
        &[
            &provider,
            &event.message_id,
            &event.client_message_id,
            &event.to,
            &event.from,
            &status,
            &event.status.precedence_key(event.occurred_at),
        ],
    )
    .await
    .map_err(pg_error)?;
    Ok(Some(id))
}

/// The new message's id, or `None` for a duplicate.
async fn insert_inbound(
    tx: &Tx<'_>,
    message: &InboundMessage,
    received_at: i64,
    raw_request_id: i64,
) -> Result<Option<i64>, StoreError> {
    let statement = tx.prepare_cached(INSERT_INBOUND).await.map_err(pg_error)?;
    let row = tx
        .query_opt(
            &statement,
            &[
                &message.provider.as_str(),
                &message.message_id,
                &message.related_message_id,
                &message.from,
                &message.to,
                &message.channel,
                &message.kind.as_str(),
                &message.text,
                &message.occurred_at,
                &received_at,
                &message.payload.to_string(),
                &raw_request_id,
            ],
        )
        .await
        .map_err(pg_error)?;
    row.map(|row| row.try_get(0).map_err(pg_error)).transpose()
}

/// The highest feed `seq` ever handed out (a sequence never hands one out
/// twice, committed or not).
const NEWEST_SEQ: &str = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM feed_seq";

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, StoreError> {
    row.try_get(idx).map_err(pg_error)
}

fn column<T>(row: &Row, idx: usize, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let text: &str = get(row, idx)?;
    parse(text).ok_or_else(|| StoreError::Other(format!("unexpected value `{text}` in column {idx}")))
}

const INBOUND_PAGE: &str = r#"
    SELECT f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload::text
    FROM feed f
    JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > $1 AND f.inbound_id IS NOT NULL
    ORDER BY f.seq
    LIMIT $2"#;

fn inbound_view(row: &Row, at: usize) -> Result<InboundView, StoreError> {
    let payload: &str = get(row, at + 11)?;
    Ok(InboundView {
        cursor: get::<i64>(row, at)?.to_string(),
        provider: column(row, at + 1, Provider::parse)?,
        message_id: get(row, at + 2)?,
        related_message_id: get(row, at + 3)?,
        from: get(row, at + 4)?,
        to: get(row, at + 5)?,
        channel: get(row, at + 6)?,
        kind: column(row, at + 7, InboundType::parse)?,
        text: get(row, at + 8)?,
        occurred_at: get(row, at + 9)?,
        received_at: get(row, at + 10)?,
        payload: serde_json::from_str(payload).map_err(|err| StoreError::Other(format!("stored payload: {err}")))?,
    })
}

/// The feed after `$1`, both kinds, in `seq` order, which is commit order
/// (see [`FEED_LOCK`]): one statement, one snapshot, and a snapshot that
/// holds some seq holds every committed seq below it.
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

fn feed_event(row: &Row) -> Result<FeedEvent, StoreError> {
    let status_event_id: Option<i64> = get(row, 1)?;
    if status_event_id.is_none() {
        return Ok(FeedEvent::Inbound(inbound_view(row, 12)?));
    }
    Ok(FeedEvent::Status(StatusFeedEvent {
        cursor: get::<i64>(row, 0)?.to_string(),
        provider: column(row, 2, Provider::parse)?,
        message_id: get(row, 3)?,
        client_message_id: get(row, 4)?,
        status: column(row, 5, Status::parse)?,
        raw_status: get(row, 6)?,
        raw_code: get(row, 7)?,
        description: get(row, 8)?,
        occurred_at: get(row, 9)?,
        received_at: get(row, 10)?,
        channel: get(row, 11)?,
    }))
}

fn message_event(row: &Row) -> Result<MessageEventView, StoreError> {
    Ok(MessageEventView {
        status: column(row, 0, Status::parse)?,
        raw_status: get(row, 1)?,
        raw_code: get(row, 2)?,
        description: get(row, 3)?,
        occurred_at: get(row, 4)?,
        received_at: get(row, 5)?,
        channel: get(row, 6)?,
    })
}

fn quarantined_request(row: &Row) -> Result<QuarantinedRequest, StoreError> {
    let body: Vec<u8> = get(row, 6)?;
    let body = body_text(body);
    Ok(QuarantinedRequest {
        id: get(row, 0)?,
        provider: column(row, 1, Provider::parse)?,
        method: get(row, 2)?,
        path: get(row, 3)?,
        received_at: get(row, 4)?,
        error: get(row, 5)?,
        body,
    })
}

impl PostgresStore {
    async fn message_now(&self, provider: Provider, message_id: &str) -> Result<Option<MessageView>, StoreError> {
        let mut client = self.client().await?;
        // One snapshot for the message and its events.
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
            .map(message_event)
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().await.map_err(pg_error)?;
        Ok(Some(MessageView {
            provider,
            message_id: message_id.to_string(),
            client_message_id: get(&head, 0)?,
            to: get(&head, 1)?,
            from: get(&head, 2)?,
            status: column(&head, 3, Status::parse)?,
            status_at: get(&head, 4)?,
            events,
        }))
    }

    /// Rows of `page` after `after`, and the newest seq ever handed out.
    async fn feed_page(&self, page: &str, after: i64, limit: usize) -> Result<(Vec<Row>, i64), StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(page).await.map_err(pg_error)?;
        let rows = client
            .query(&statement, &[&after, &sql_limit(limit)])
            .await
            .map_err(pg_error)?;
        let newest = client.query_one(NEWEST_SEQ, &[]).await.map_err(pg_error)?;
        Ok((rows, get(&newest, 0)?))
    }

    async fn setting_now(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let mut client = self.client().await?;
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
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn ingest(&self, ingest: Ingest) -> Result<IngestOutcome, StoreError> {
        self.within_deadline(self.ingest_now(ingest)).await
    }

    async fn message(&self, provider: Provider, message_id: &str) -> Result<Option<MessageView>, StoreError> {
        self.within_deadline(self.message_now(provider, message_id)).await
    }

    async fn events(&self, after: Option<&str>, limit: usize) -> Result<EventsPage, StoreError> {
        let (after, after_text) = parse_cursor(after)?;
        let (rows, newest) = self.within_deadline(self.feed_page(EVENTS_PAGE, after, limit)).await?;
        refuse_cursor_from_the_future(after, newest, &after_text)?;
        let events = rows.iter().map(feed_event).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = events.last().map_or(after_text, |event| event.cursor().to_string());
        Ok(EventsPage { events, next_cursor })
    }

    async fn inbound(&self, after: Option<&str>, limit: usize) -> Result<InboundPage, StoreError> {
        let (after, after_text) = parse_cursor(after)?;
        let (rows, newest) = self.within_deadline(self.feed_page(INBOUND_PAGE, after, limit)).await?;
        refuse_cursor_from_the_future(after, newest, &after_text)?;
        let messages = rows
            .iter()
            .map(|row| inbound_view(row, 0))
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = messages.last().map_or(after_text, |message| message.cursor.clone());
        Ok(InboundPage { messages, next_cursor })
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRequest>, StoreError> {
        self.within_deadline(async {
            let client = self.client().await?;
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
                .map(quarantined_request)
                .collect()
        })
        .await
    }

    async fn quarantined_raw(&self) -> Result<Vec<StoredRequest>, StoreError> {
        self.within_deadline(async {
            let client = self.client().await?;
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
                .map(|row| {
                    Ok(StoredRequest {
                        id: get(row, 0)?,
                        provider: column(row, 1, Provider::parse)?,
                        method: get(row, 2)?,
                        path: get(row, 3)?,
                        query: get(row, 4)?,
                        content_type: get(row, 5)?,
                        body: get(row, 6)?,
                        received_at: get(row, 7)?,
                        error: get(row, 8)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn resolve_quarantined(
        &self,
        id: i64,
        status: Vec<StatusEvent>,
        inbound: Vec<InboundMessage>,
    ) -> Result<IngestOutcome, StoreError> {
        self.within_deadline(self.resolve_now(id, &status, &inbound)).await
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.within_deadline(self.setting_now(key, value)).await
    }
}
