//! Group commit in the SQLite store: concurrent ingests share transactions,
//! each is answered only once its transaction committed, a failing ingest
//! does not take its batch-mates down, and a failed COMMIT acknowledges
//! nothing.

use std::sync::Arc;
use std::time::Duration;

use smsgate_normalize::{Provider, Status, StatusEvent};
use smsgate_store::{CommitOptions, Ingest, Parsed, RawRequest, SqliteStore, Store, StoreError};
use tempfile::TempDir;

const T0: i64 = 1_700_000_000_000;

fn db_path(dir: &TempDir) -> String {
    dir.path().join("smsgate.db").to_str().unwrap().to_string()
}

async fn open(dir: &TempDir, commit_batch: usize, commit_wait: Duration) -> Arc<SqliteStore> {
    let options = CommitOptions {
        commit_batch,
        commit_wait,
    };
    Arc::new(SqliteStore::open_with(&db_path(dir), options).await.unwrap())
}

/// An ingest with one status event for message `id`, its body naming it too.
fn ingest(id: &str) -> Ingest {
    let event = StatusEvent {
        provider: Provider::Smarthive,
        message_id: id.into(),
        client_message_id: None,
        to: Some("+15550001111".into()),
        from: Some("ACME".into()),
        status: Status::Delivered,
        raw_status: Some("DELIVRD".into()),
        raw_code: None,
        description: None,
        occurred_at: Some(T0),
        channel: Some("sms".into()),
        dedup_key: format!("{id}|DELIVRD|{T0}"),
    };
    Ingest {
        raw: RawRequest {
            provider: Provider::Smarthive,
            method: "POST".into(),
            path: "/client-callback/smarthive-status".into(),
            query: None,
            content_type: Some("application/json".into()),
            body: format!(r#"{{"msg_id":"{id}"}}"#).into_bytes(),
            received_at: T0,
        },
        parsed: Parsed::Events {
            status: vec![event],
            inbound: Vec::new(),
        },
    }
}

fn count(path: &str, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// Whether a fresh connection (another process, in effect) sees message
/// `id`'s raw request and event.
fn visible(path: &str, id: &str) -> bool {
    let conn = rusqlite::Connection::open(path).unwrap();
    let body = format!(r#"{{"msg_id":"{id}"}}"#).into_bytes();
    let raw: i64 = conn
        .query_row("SELECT COUNT(*) FROM raw_requests WHERE body = ?1", [body], |row| {
            row.get(0)
        })
        .unwrap();
    let events: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM status_events WHERE message_id = ?1",
            [id],
            |row| row.get(0),
        )
        .unwrap();
    raw == 1 && events == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ingests_are_batched_stored_once_and_answered_after_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&dir, 64, Duration::from_millis(2)).await;
    const N: usize = 300;
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let store = store.clone();
            let path = path.clone();
            tokio::spawn(async move {
                let id = format!("m{i}");
                let outcome = store.ingest(ingest(&id)).await.unwrap();
                assert_eq!(outcome.status_events_stored, 1);
                // Answered: it must already be durable and visible to others.
                let seen = tokio::task::spawn_blocking(move || visible(&path, &id)).await.unwrap();
                assert!(seen, "m{i} was answered before its transaction committed");
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(count(&path, "SELECT COUNT(*) FROM raw_requests"), N as i64);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM status_events"), N as i64);
    assert_eq!(count(&path, "SELECT COUNT(DISTINCT body) FROM raw_requests"), N as i64);
    let stats = store.commit_stats();
    assert_eq!(stats.ingests, N as u64);
    assert!(
        stats.transactions < N as u64,
        "no batching happened: {} transactions for {N} ingests",
        stats.transactions
    );
    assert!(stats.largest_batch > 1 && stats.largest_batch <= 64, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batches_never_exceed_commit_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 4, Duration::from_millis(20)).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.ingest(ingest(&format!("m{i}"))).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stats = store.commit_stats();
    assert_eq!(stats.ingests, 40);
    assert!(stats.largest_batch <= 4, "{stats:?}");
    assert!(stats.transactions >= 10, "{stats:?}");
}

#[tokio::test]
async fn a_lone_ingest_is_committed_after_at_most_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 64, Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    store.ingest(ingest("alone")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(visible(&db_path(&dir), "alone"));
    assert_eq!(store.commit_stats().transactions, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_ingest_gets_its_own_error_and_its_batch_mates_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    // A long wait so that every ingest below lands in one batch.
    let store = open(&dir, 64, Duration::from_millis(200)).await;
    // The poisoned ingest fails at its event, after its raw request row was
    // inserted: the savepoint must take that row back too.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER poison BEFORE INSERT ON status_events WHEN NEW.message_id = 'poison'
             BEGIN SELECT RAISE(ABORT, 'poisoned event'); END;",
        )
        .unwrap();
    let ids: Vec<String> = (0..10)
        .map(|i| if i == 5 { "poison".to_string() } else { format!("m{i}") })
        .collect();
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move { (id.clone(), store.ingest(ingest(&id)).await) })
        })
        .collect();
    for task in tasks {
        let (id, result) = task.await.unwrap();
        if id == "poison" {
            assert!(
                matches!(&result, Err(StoreError::Other(message)) if message.contains("poisoned")),
                "{result:?}"
            );
            assert!(!visible(&path, &id));
        } else {
            assert_eq!(result.unwrap().status_events_stored, 1, "{id}");
            assert!(visible(&path, &id), "{id}");
        }
    }
    assert_eq!(count(&path, "SELECT COUNT(*) FROM raw_requests"), 9);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM status_events"), 9);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM feed"), 9);
    let stats = store.commit_stats();
    assert_eq!(stats.ingests, 9);
    assert!(
        stats.transactions < 9,
        "the poisoned ingest was not batched with others: {stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_commit_acknowledges_nothing_of_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&dir, 64, Duration::from_millis(200)).await;
    // A deferred foreign key is only checked at COMMIT: an ingest of message
    // `breaks-commit` leaves a dangling reference, so COMMIT fails.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TABLE commit_guard (ref INTEGER REFERENCES raw_requests (id) DEFERRABLE INITIALLY DEFERRED);
             CREATE TRIGGER breaks_commit AFTER INSERT ON status_events WHEN NEW.message_id = 'breaks-commit'
             BEGIN INSERT INTO commit_guard VALUES (-1); END;",
        )
        .unwrap();
    let ids: Vec<String> = (0..8)
        .map(|i| {
            if i == 3 {
                "breaks-commit".to_string()
            } else {
                format!("m{i}")
            }
        })
        .collect();
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move { store.ingest(ingest(&id)).await })
        })
        .collect();
    for task in tasks {
        let result = task.await.unwrap();
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    }
    assert_eq!(count(&path, "SELECT COUNT(*) FROM raw_requests"), 0);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM status_events"), 0);
    assert_eq!(store.commit_stats().ingests, 0);
    // The writer recovers: the retries of the others go through.
    for id in ids.iter().filter(|id| *id != "breaks-commit") {
        store.ingest(ingest(id)).await.unwrap();
        assert!(visible(&path, id));
    }
    assert_eq!(count(&path, "SELECT COUNT(*) FROM raw_requests"), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_in_one_batch_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&dir, 64, Duration::from_millis(100)).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.ingest(ingest("same")).await.unwrap() })
        })
        .collect();
    let mut stored = 0;
    let mut duplicates = 0;
    for task in tasks {
        let outcome = task.await.unwrap();
        stored += outcome.status_events_stored;
        duplicates += outcome.duplicates;
    }
    assert_eq!((stored, duplicates), (1, 9));
    assert_eq!(count(&path, "SELECT COUNT(*) FROM raw_requests"), 10);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM status_events"), 1);
}

#[tokio::test]
async fn zero_commit_batch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let options = CommitOptions {
        commit_batch: 0,
        commit_wait: Duration::ZERO,
    };
    assert!(matches!(
        SqliteStore::open_with(&db_path(&dir), options).await,
        Err(StoreError::Other(_))
    ));
}
