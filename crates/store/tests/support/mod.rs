//! What the store suites share: the backends to run them on, a fresh store
//! per test (a temporary SQLite file, or a PostgreSQL schema of its own so
//! that tests run in parallel), and the events they ingest.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use smsgate_normalize::views::FeedEvent;
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};
use smsgate_store::{Ingest, IngestOutcome, Parsed, PostgresOptions, PostgresStore, RawRequest, SqliteStore, Store};
use tempfile::TempDir;

pub const T0: i64 = 1_700_000_000_000;

/// The test server's URL, or `None` after saying the tests are skipped.
pub fn postgres_url() -> Option<String> {
    smsgate_test_support::postgres::postgres_url("the PostgreSQL store tests")
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn postgres() -> Option<Backend> {
        postgres_url().map(Backend::Postgres)
    }
}

pub use smsgate_test_support::postgres::PgSchema;

/// A store on a test schema.
pub trait StoreOnSchema {
    fn options(&self) -> PostgresOptions;
    /// A store on this schema: every call is another replica (its own pool).
    async fn open(&self) -> PostgresStore;
}

impl StoreOnSchema for PgSchema {
    fn options(&self) -> PostgresOptions {
        PostgresOptions {
            schema: Some(self.name.clone()),
            ..PostgresOptions::default()
        }
    }

    async fn open(&self) -> PostgresStore {
        PostgresStore::open_with(&self.url, self.options()).await.unwrap()
    }
}

pub enum Db {
    Sqlite { _dir: TempDir, path: String },
    Postgres(PgSchema),
}

/// A fresh, empty store on one backend.
pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub db: Db,
}

impl Fixture {
    pub async fn new(backend: &Backend) -> Fixture {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("smsgate.db").to_str().unwrap().to_string();
                let store = SqliteStore::open(&path).await.unwrap();
                Fixture {
                    store: Arc::new(store),
                    db: Db::Sqlite { _dir: dir, path },
                }
            }
            Backend::Postgres(url) => {
                let schema = PgSchema::create(url).await;
                Fixture {
                    store: Arc::new(schema.open().await),
                    db: Db::Postgres(schema),
                }
            }
        }
    }

    /// The same database opened again (migrations run again).
    pub async fn reopen(&self) -> Result<Arc<dyn Store>, smsgate_store::StoreError> {
        Ok(match &self.db {
            Db::Sqlite { path, .. } => Arc::new(SqliteStore::open(path).await?),
            Db::Postgres(schema) => Arc::new(PostgresStore::open_with(&schema.url, schema.options()).await?),
        })
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.db {
            Db::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.query_row(&sql, [], |row| row.get(0)).unwrap()
            }
            Db::Postgres(schema) => schema.client().await.query_one(&sql, &[]).await.unwrap().get(0),
        }
    }

    pub async fn schema_version(&self) -> i64 {
        match &self.db {
            Db::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap()
            }
            Db::Postgres(schema) => {
                let row = schema
                    .client()
                    .await
                    .query_one("SELECT version FROM smsgate_schema_version", &[])
                    .await
                    .unwrap();
                i64::from(row.get::<_, i32>(0))
            }
        }
    }

    pub async fn set_schema_version(&self, version: i64) {
        match &self.db {
            Db::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(&format!("PRAGMA user_version = {version}"))
                .unwrap(),
            Db::Postgres(schema) => schema
                .client()
                .await
                .batch_execute(&format!("UPDATE smsgate_schema_version SET version = {version}"))
                .await
                .unwrap(),
        }
    }
}

pub fn raw(body: &[u8]) -> RawRequest {
    RawRequest {
        provider: Provider::Smarthive,
        method: "POST".into(),
        path: "/client-callback/smarthive-status".into(),
        query: None,
        content_type: Some("application/json".into()),
        body: body.to_vec(),
        received_at: T0 + 1_000_000,
    }
}

pub fn event(message_id: &str, status: Status, occurred_at: Option<i64>) -> StatusEvent {
    StatusEvent {
        provider: Provider::Smarthive,
        message_id: message_id.into(),
        client_message_id: Some(format!("client-{message_id}")),
        to: Some("+15550001111".into()),
        from: Some("ACME".into()),
        status,
        raw_status: Some(status.as_str().to_uppercase()),
        raw_code: Some(status.rank().to_string()),
        description: None,
        occurred_at,
        channel: Some("sms".into()),
        dedup_key: format!("{message_id}|{}|{occurred_at:?}", status.as_str()),
    }
}

pub fn inbound_message(message_id: &str) -> InboundMessage {
    InboundMessage {
        provider: Provider::Clickatell,
        message_id: message_id.into(),
        related_message_id: Some("out-1".into()),
        from: Some("+15550002222".into()),
        to: Some("+15550003333".into()),
        channel: Some("sms".into()),
        kind: InboundType::Text,
        text: Some("hello".into()),
        occurred_at: Some(T0),
        payload: json!({"replyMessageId": message_id, "text": "hello", "extra": [1, 2, {"x": null}]}),
    }
}

pub fn ingest_of(status: Vec<StatusEvent>, inbound: Vec<InboundMessage>) -> Ingest {
    Ingest {
        raw: raw(b"{}"),
        parsed: Parsed::Events { status, inbound },
    }
}

pub async fn ingest_events(store: &dyn Store, events: Vec<StatusEvent>) -> IngestOutcome {
    store.ingest(ingest_of(events, Vec::new())).await.unwrap()
}

pub async fn current(store: &dyn Store, message_id: &str) -> (Status, Option<i64>) {
    let view = store.message(Provider::Smarthive, message_id).await.unwrap().unwrap();
    (view.status, view.status_at)
}

/// The state a message must end in: the status of the greatest precedence
/// key, at the earliest time among the events with that status.
pub fn expected(events: &[(Status, Option<i64>)]) -> (Status, Option<i64>) {
    let (status, _) = events
        .iter()
        .max_by_key(|(status, time)| status.precedence_key(*time))
        .unwrap();
    let at = events.iter().filter(|(s, _)| s == status).filter_map(|(_, t)| *t).min();
    (*status, at)
}

/// Polls `store`'s feed until `done` is set and a poll after it is empty;
/// returns the status events' message ids in the order seen, checking that
/// cursors only grow.
pub async fn poll_until_done(store: Arc<dyn Store>, done: Arc<AtomicBool>) -> Vec<String> {
    let mut cursor = None::<String>;
    let mut seen = Vec::new();
    let mut last_seq = 0u64;
    loop {
        // Read `done` before polling: an empty page after it means every
        // write is committed and was visible.
        let finished = done.load(Ordering::SeqCst);
        let page = store.events(cursor.as_deref(), 7).await.unwrap();
        if page.events.is_empty() && finished {
            break;
        }
        for event in &page.events {
            let seq: u64 = event.cursor().parse().unwrap();
            assert!(seq > last_seq, "cursor order");
            last_seq = seq;
            if let FeedEvent::Status(event) = event {
                seen.push(event.message_id.clone());
            }
        }
        cursor = Some(page.next_cursor);
        tokio::task::yield_now().await;
    }
    seen
}
