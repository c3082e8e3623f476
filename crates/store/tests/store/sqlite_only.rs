//! What only the SQLite backend has to show: WAL mode, a database locked
//! by another process, an in-memory database; and `open`'s URL dispatch.

use smsgate_normalize::{Provider, Status};
use smsgate_store::{SqliteStore, Store, StoreError};

use crate::support::*;

fn db_path(dir: &tempfile::TempDir) -> String {
    dir.path().join("smsgate.db").to_str().unwrap().to_string()
}

fn count(path: &str, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0))
        .unwrap()
}

#[tokio::test]
async fn sqlite_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(&db_path(&dir)).await.unwrap());
    let conn = rusqlite::Connection::open(db_path(&dir)).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_locked_sqlite_database_is_unavailable_and_nothing_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = SqliteStore::open(&path).await.unwrap();
    // Another process holds the write lock past the busy timeout.
    let mut other = rusqlite::Connection::open(&path).unwrap();
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .unwrap();
    let result = store
        .ingest(ingest_of(vec![event("m", Status::Sent, None)], Vec::new()))
        .await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    tx.rollback().unwrap();
    assert_eq!(store.message(Provider::Smarthive, "m").await.unwrap(), None);
    assert_eq!(count(&path, "raw_requests"), 0);
    // And it works again once the lock is gone.
    let outcome = ingest_events(&store, vec![event("m", Status::Sent, None)]).await;
    assert_eq!(outcome.status_events_stored, 1);
}

#[tokio::test]
async fn an_in_memory_sqlite_database_works_on_one_connection() {
    let store = SqliteStore::open(":memory:").await.unwrap();
    ingest_events(&store, vec![event("m", Status::Read, None)]).await;
    assert_eq!(current(&store, "m").await, (Status::Read, None));
    assert_eq!(store.events(None, 10).await.unwrap().events.len(), 1);
}

#[tokio::test]
async fn open_dispatches_on_the_url() {
    let dir = tempfile::tempdir().unwrap();
    assert!(smsgate_store::open(&format!("sqlite:{}", db_path(&dir))).await.is_ok());
    let err = smsgate_store::open("mysql://x").await.err().unwrap();
    let text = err.to_string();
    assert!(text.contains("sqlite:PATH") && text.contains("postgres://"), "{text}");
}
