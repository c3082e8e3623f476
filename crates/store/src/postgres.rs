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
//! Ingests are group-committed (`postgres/group_commit.rs`): concurrent
//! ones share one transaction, written with one multi-row statement per
//! table (`postgres/batch.rs`), and each is answered only once that
//! transaction's COMMIT has returned.
//!
//! The semantics are SQLite's (see `sqlite.rs`):
//! - dedup by the unique constraints `(provider, dedup_key)` and
//!   `(provider, message_id)`, which hold across replicas (a concurrent
//!   insert of the same key waits for the other transaction, then does
//!   nothing if it committed), and inside a batch before it is written;
//! - a message's status moves by the one compare-and-set upsert of
//!   `sqlite.rs` on `status_key` (`COLLATE "C"`). Its `status_at` subquery
//!   reads the stored events, and under READ COMMITTED a statement only sees
//!   what committed before it started; so each transaction first takes a
//!   transaction-level advisory lock on the message (in a statement of its
//!   own), and the upsert that follows sees every event of every transaction
//!   that held the lock before. The last one to update a message therefore
//!   sees all its events. A transaction takes its locks in one global order
//!   (by lock key, all in one statement), then inserts inbound messages in
//!   `(provider, message_id)` order, then takes the feed lock: every wait
//!   follows that order, so two transactions cannot deadlock;
//! - the feed: see [`FEED_LOCK`].
//!
//! Migrations (`postgres/migrations/`) run at open in one transaction under
//! an advisory lock, so replicas starting together apply them once; the
//! version is kept in `smsgate_schema_version`.

use std::str::FromStr;
use std::time::Duration;

use crate::page::{body_text, parse_cursor, refuse_cursor_from_the_future, sql_limit};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use smsgate_normalize::views::{
    EventsPage, FeedEvent, InboundPage, InboundView, MessageEventView, MessageView, QuarantinedRequest, StatusFeedEvent,
};
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};
use tokio_postgres::error::SqlState;
use tokio_postgres::{IsolationLevel, NoTls, Row};

use crate::stats::CommitStats;
use crate::{CommitOptions, Ingest, IngestOutcome, Store, StoreError, StoredRequest};

mod batch;
mod group_commit;

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
/// sees 6, moves its cursor to 6 and never sees 5 when A commits. So a
/// writing transaction (a batch of ingests, or a quarantine replay) takes
/// this transaction-level lock just before inserting its feed rows (after
/// everything else it writes) and holds it until it commits or rolls back. A transaction therefore takes its seqs only after every
/// transaction that took smaller ones has finished, and PostgreSQL makes a
/// commit visible before it releases the committing transaction's locks:
/// seqs become visible in commit order, and a snapshot that sees seq N sees
/// every committed seq below N. A rolled-back transaction leaves a gap,
/// never a row that appears later. This is commit-ordered sequencing; its
/// price is that the last step of every batch (feed rows and the commit's
/// flush) is serial across all replicas; group commit shares that step
/// among the ingests of a batch.
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
    /// Group commit: most ingests in one transaction, longest wait for more.
    pub commit: CommitOptions,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            statement_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(15),
            pool_size: 16,
            schema: None,
            commit: CommitOptions::default(),
        }
    }
}

pub struct PostgresStore {
    pool: Pool,
    call_timeout: Duration,
    /// The first key of message locks (see [`MESSAGES_OID`]).
    message_lock_class: i32,
    /// Where ingests wait for their batch.
    group: group_commit::GroupCommit,
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
        if options.commit.commit_batch == 0 {
            return Err(StoreError::Other("commit_batch must be at least 1".into()));
        }
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
        within(options.call_timeout, migrate(&pool)).await?;
        let oid: i64 = within(options.call_timeout, async {
            let row = pool
                .get()
                .await
                .map_err(pool_error)?
                .query_one(MESSAGES_OID, &[])
                .await
                .map_err(pg_error)?;
            get(&row, 0)
        })
        .await?;
        // An OID is 32 bits unsigned; the key is the same bits signed.
        let message_lock_class = oid as u32 as i32;
        let group =
            group_commit::GroupCommit::start(pool.clone(), message_lock_class, options.commit, options.call_timeout);
        Ok(PostgresStore {
            pool,
            call_timeout: options.call_timeout,
            message_lock_class,
            group,
        })
    }

    /// Batches and ingests committed so far (see `group_commit.rs`).
    pub fn commit_stats(&self) -> CommitStats {
        self.group.stats()
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
        within(self.call_timeout, call).await
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
        let unit = batch::Unit {
            raw_request_id: id,
            received_at,
            status,
            inbound,
        };
        let stored = batch::store_events(&tx, self.message_lock_class, &[unit]).await?;
        stored[0].count_into(&mut outcome);
        // The feed rows are the last writes before the commit (FEED_LOCK).
        batch::append_feed(&tx, stored.iter()).await?;
        // A failed COMMIT is an error, never an acknowledged outcome.
        tx.commit().await.map_err(pg_error)?;
        Ok(outcome)
    }
}

/// Runs `call` under `deadline`; past it, [`StoreError::Unavailable`].
async fn within<T>(
    deadline: Duration,
    call: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(deadline, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(format!(
            "PostgreSQL did not answer within {deadline:?}"
        ))),
    }
}

/// Applies the migrations the database lacks (see the module docs).
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
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

type Tx<'a> = deadpool_postgres::Transaction<'a>;

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
        self.within_deadline(self.group.ingest(ingest)).await
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
