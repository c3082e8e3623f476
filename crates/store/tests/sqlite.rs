//! The SQLite store against the `Store` contract: dedup, precedence whatever
//! the arrival order, the feed's cursor (also with concurrent writers),
//! quarantine, migrations and durability across reopen.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use proptest::prelude::*;
use serde_json::json;
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};
use smsgate_receiver_api::views::FeedEvent;
use smsgate_store::{Ingest, IngestOutcome, Parsed, RawRequest, SqliteStore, Store, StoreError};
use tempfile::TempDir;

const T0: i64 = 1_700_000_000_000;

fn db_path(dir: &TempDir) -> String {
    dir.path().join("smsgate.db").to_str().unwrap().to_string()
}

async fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&db_path(&dir)).await.unwrap();
    (dir, store)
}

fn raw(body: &[u8]) -> RawRequest {
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

fn event(message_id: &str, status: Status, occurred_at: Option<i64>) -> StatusEvent {
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

fn inbound_message(message_id: &str) -> InboundMessage {
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

fn ingest_of(status: Vec<StatusEvent>, inbound: Vec<InboundMessage>) -> Ingest {
    Ingest {
        raw: raw(b"{}"),
        parsed: Parsed::Events { status, inbound },
    }
}

async fn ingest_events(store: &SqliteStore, events: Vec<StatusEvent>) -> IngestOutcome {
    store.ingest(ingest_of(events, Vec::new())).await.unwrap()
}

fn count(path: &str, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0))
        .unwrap()
}

async fn current(store: &SqliteStore, message_id: &str) -> (Status, Option<i64>) {
    let view = store.message(Provider::Smarthive, message_id).await.unwrap().unwrap();
    (view.status, view.status_at)
}

#[tokio::test]
async fn a_retried_event_is_stored_once_and_its_raw_request_twice() {
    let (dir, store) = fresh().await;
    let delivered = event("m1", Status::Delivered, Some(T0));
    let first = ingest_events(&store, vec![delivered.clone()]).await;
    assert_eq!(
        first,
        IngestOutcome {
            status_events_stored: 1,
            ..Default::default()
        }
    );
    let second = ingest_events(&store, vec![delivered.clone()]).await;
    assert_eq!(
        second,
        IngestOutcome {
            duplicates: 1,
            ..Default::default()
        }
    );
    // A duplicate inside one batch too.
    let third = ingest_events(
        &store,
        vec![event("m2", Status::Sent, None), event("m2", Status::Sent, None)],
    )
    .await;
    assert_eq!((third.status_events_stored, third.duplicates), (1, 1));

    let path = db_path(&dir);
    assert_eq!(count(&path, "raw_requests"), 3);
    assert_eq!(count(&path, "status_events"), 2);
    assert_eq!(count(&path, "feed"), 2);
    let view = store.message(Provider::Smarthive, "m1").await.unwrap().unwrap();
    assert_eq!(view.events.len(), 1);
    assert_eq!(view.client_message_id.as_deref(), Some("client-m1"));
    assert_eq!(store.events(None, 100).await.unwrap().events.len(), 2);
}

#[tokio::test]
async fn an_inbound_message_is_stored_once() {
    let (dir, store) = fresh().await;
    let outcome = store
        .ingest(ingest_of(Vec::new(), vec![inbound_message("mo-1")]))
        .await
        .unwrap();
    assert_eq!((outcome.inbound_stored, outcome.duplicates), (1, 0));
    let outcome = store
        .ingest(ingest_of(Vec::new(), vec![inbound_message("mo-1")]))
        .await
        .unwrap();
    assert_eq!((outcome.inbound_stored, outcome.duplicates), (0, 1));
    assert_eq!(count(&db_path(&dir), "inbound_messages"), 1);

    let page = store.inbound(None, 10).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    let message = &page.messages[0];
    assert_eq!(message.message_id, "mo-1");
    assert_eq!(message.kind, InboundType::Text);
    assert_eq!(message.payload, inbound_message("mo-1").payload);
    assert_eq!(message.received_at, T0 + 1_000_000);
    assert_eq!(page.next_cursor, message.cursor);
    // Not an outbound message.
    assert_eq!(store.message(Provider::Clickatell, "mo-1").await.unwrap(), None);
}

#[tokio::test]
async fn unknown_message_is_none() {
    let (_dir, store) = fresh().await;
    assert_eq!(store.message(Provider::Clearline, "nope").await.unwrap(), None);
}

#[tokio::test]
async fn a_late_sent_does_not_replace_delivered() {
    let (_dir, store) = fresh().await;
    ingest_events(&store, vec![event("m", Status::Delivered, Some(T0 + 10))]).await;
    ingest_events(&store, vec![event("m", Status::Sent, Some(T0 + 5))]).await;
    assert_eq!(current(&store, "m").await, (Status::Delivered, Some(T0 + 10)));
    // Events in provider-time order.
    let view = store.message(Provider::Smarthive, "m").await.unwrap().unwrap();
    let statuses: Vec<_> = view.events.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Status::Sent, Status::Delivered]);
}

#[tokio::test]
async fn read_beats_delivered_and_delivered_beats_a_failure() {
    let (_dir, store) = fresh().await;
    ingest_events(&store, vec![event("m", Status::Read, Some(T0))]).await;
    ingest_events(&store, vec![event("m", Status::Delivered, Some(T0 + 100))]).await;
    assert_eq!(current(&store, "m").await, (Status::Read, Some(T0)));

    ingest_events(&store, vec![event("n", Status::Undelivered, Some(T0 + 100))]).await;
    ingest_events(&store, vec![event("n", Status::Delivered, Some(T0))]).await;
    assert_eq!(current(&store, "n").await, (Status::Delivered, Some(T0)));
}

#[tokio::test]
async fn within_the_failure_family_the_later_time_wins() {
    let (_dir, store) = fresh().await;
    ingest_events(&store, vec![event("m", Status::Expired, Some(T0 + 20))]).await;
    ingest_events(&store, vec![event("m", Status::Rejected, Some(T0 + 10))]).await;
    assert_eq!(current(&store, "m").await, (Status::Expired, Some(T0 + 20)));
    ingest_events(&store, vec![event("m", Status::Rejected, Some(T0 + 30))]).await;
    // The earliest rejected event is the one whose time becomes status_at.
    assert_eq!(current(&store, "m").await, (Status::Rejected, Some(T0 + 10)));
    // A failure without a time loses to one with a time.
    ingest_events(&store, vec![event("m", Status::Cancelled, None)]).await;
    assert_eq!(current(&store, "m").await, (Status::Rejected, Some(T0 + 10)));
}

#[tokio::test]
async fn status_at_is_the_earliest_time_among_events_with_the_current_status() {
    let (_dir, store) = fresh().await;
    ingest_events(&store, vec![event("m", Status::Delivered, None)]).await;
    assert_eq!(current(&store, "m").await, (Status::Delivered, None));
    ingest_events(&store, vec![event("m", Status::Delivered, Some(T0 + 50))]).await;
    assert_eq!(current(&store, "m").await, (Status::Delivered, Some(T0 + 50)));
    ingest_events(&store, vec![event("m", Status::Delivered, Some(T0 + 20))]).await;
    assert_eq!(current(&store, "m").await, (Status::Delivered, Some(T0 + 20)));
    // Earlier events of other statuses do not count.
    ingest_events(&store, vec![event("m", Status::Sent, Some(T0))]).await;
    assert_eq!(current(&store, "m").await, (Status::Delivered, Some(T0 + 20)));
    // Events listed by provider time, those without one last.
    let view = store.message(Provider::Smarthive, "m").await.unwrap().unwrap();
    let times: Vec<_> = view.events.iter().map(|e| e.occurred_at).collect();
    assert_eq!(times, [Some(T0), Some(T0 + 20), Some(T0 + 50), None]);
}

/// The state a message must end in: the status of the greatest precedence
/// key, at the earliest time among the events with that status.
fn expected(events: &[(Status, Option<i64>)]) -> (Status, Option<i64>) {
    let (status, _) = events
        .iter()
        .max_by_key(|(status, time)| status.precedence_key(*time))
        .unwrap();
    let at = events.iter().filter(|(s, _)| s == status).filter_map(|(_, t)| *t).min();
    (*status, at)
}

fn status_strategy() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL.to_vec())
}

/// Distinct events, each a status and a provider time; event `i` has the
/// dedup key `key-{i}`.
type Events = Vec<(Status, Option<i64>)>;

/// Distinct events and an arrival order (indices, with duplicates), cut into
/// batches of `chunk`.
fn arrival() -> impl Strategy<Value = (Events, Vec<usize>, usize)> {
    let time = proptest::option::of(-3i64..3).prop_map(|t| t.map(|t| T0 + t));
    proptest::collection::vec((status_strategy(), time), 1..=8).prop_flat_map(|events| {
        let n = events.len();
        (Just(events), proptest::collection::vec(0..n, 0..4), 1usize..=3).prop_flat_map(
            move |(events, duplicates, chunk)| {
                let order: Vec<usize> = (0..n).chain(duplicates).collect();
                (Just(events), Just(order).prop_shuffle(), Just(chunk))
            },
        )
    })
}

fn proptest_event(i: usize, (status, time): (Status, Option<i64>)) -> StatusEvent {
    StatusEvent {
        dedup_key: format!("key-{i}"),
        ..event("m", status, time)
    }
}

async fn final_state(events: &[(Status, Option<i64>)], order: &[usize], chunk: usize) -> (Status, Option<i64>, usize) {
    let (_dir, store) = fresh().await;
    let mut duplicates = 0;
    for batch in order.chunks(chunk) {
        let batch = batch.iter().map(|&i| proptest_event(i, events[i])).collect();
        duplicates += ingest_events(&store, batch).await.duplicates;
    }
    let (status, at) = current(&store, "m").await;
    (status, at, duplicates)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The final state does not depend on arrival order, batching or retries.
    #[test]
    fn the_final_state_does_not_depend_on_arrival_order((events, order, chunk) in arrival()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let sorted: Vec<usize> = (0..events.len()).collect();
        let (sorted_status, sorted_at, _) = runtime.block_on(final_state(&events, &sorted, 1));
        let (status, at, duplicates) = runtime.block_on(final_state(&events, &order, chunk));
        prop_assert_eq!((status, at), (sorted_status, sorted_at));
        prop_assert_eq!((status, at), expected(&events));
        prop_assert_eq!(duplicates, order.len() - events.len());
    }
}

#[tokio::test]
async fn the_feed_pages_through_every_event_once_in_order() {
    let (_dir, store) = fresh().await;
    let mut expected_ids = Vec::new();
    for i in 0..10 {
        if i % 4 == 3 {
            let id = format!("mo-{i}");
            store
                .ingest(ingest_of(Vec::new(), vec![inbound_message(&id)]))
                .await
                .unwrap();
            expected_ids.push(id);
        } else {
            let id = format!("m-{i}");
            ingest_events(&store, vec![event(&id, Status::Sent, Some(T0 + i))]).await;
            expected_ids.push(id);
        }
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.events(cursor.as_deref(), 3).await.unwrap();
        assert!(page.events.len() <= 3);
        if page.events.is_empty() {
            assert_eq!(Some(&page.next_cursor), cursor.as_ref(), "unchanged when nothing new");
            break;
        }
        assert_eq!(page.next_cursor, page.events.last().unwrap().cursor());
        for event in page.events {
            seen.push(match event {
                FeedEvent::Status(event) => event.message_id,
                FeedEvent::Inbound(message) => message.message_id,
            });
        }
        cursor = Some(page.next_cursor);
    }
    assert_eq!(seen, expected_ids);

    // Still unchanged on the next poll; and moves on when something arrives.
    let last = cursor.unwrap();
    assert_eq!(store.events(Some(&last), 3).await.unwrap().next_cursor, last);
    ingest_events(&store, vec![event("late", Status::Delivered, None)]).await;
    let page = store.events(Some(&last), 3).await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert_ne!(page.next_cursor, last);

    // Inbound alone, paged.
    let first = store.inbound(None, 1).await.unwrap();
    assert_eq!(first.messages[0].message_id, "mo-3");
    let second = store.inbound(Some(&first.next_cursor), 5).await.unwrap();
    let ids: Vec<_> = second.messages.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids, ["mo-7"]);
    let third = store.inbound(Some(&second.next_cursor), 5).await.unwrap();
    assert!(third.messages.is_empty());
    assert_eq!(third.next_cursor, second.next_cursor);

    // From the start with nothing stored.
    let (_dir, empty) = fresh().await;
    let page = empty.events(None, 10).await.unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.next_cursor, "0");
    assert_eq!(empty.inbound(None, 10).await.unwrap().next_cursor, "0");
    assert_eq!(empty.events(Some("0"), 10).await.unwrap().next_cursor, "0");
}

#[tokio::test]
async fn a_cursor_that_is_not_a_feed_position_is_rejected() {
    let (_dir, store) = fresh().await;
    for bad in ["abc", "", "-1", "+1", " 1", "1.0", "99999999999999999999"] {
        assert!(
            matches!(store.events(Some(bad), 10).await, Err(StoreError::BadCursor(c)) if c == bad),
            "{bad:?}"
        );
        assert!(
            matches!(store.inbound(Some(bad), 10).await, Err(StoreError::BadCursor(_))),
            "{bad:?}"
        );
    }
}

/// A cursor past every position ever handed out (a database replaced under
/// the consumer) is refused rather than answered "nothing new", which would
/// skip everything committed later; the newest cursor itself is fine.
#[tokio::test]
async fn a_cursor_from_the_future_is_rejected() {
    let (_dir, store) = fresh().await;
    assert!(matches!(store.events(Some("1"), 10).await, Err(StoreError::BadCursor(c)) if c == "1"));
    assert!(matches!(
        store.inbound(Some("1"), 10).await,
        Err(StoreError::BadCursor(_))
    ));
    assert_eq!(store.events(Some("0"), 10).await.unwrap().next_cursor, "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poller_sees_every_event_once_while_writers_commit() {
    const WRITERS: usize = 4;
    const INGESTS: usize = 25;
    let (_dir, store) = fresh().await;
    let store = Arc::new(store);
    let done = Arc::new(AtomicBool::new(false));

    let poller = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut cursor = None::<String>;
            let mut seen = Vec::new();
            let mut last_seq = 0u64;
            loop {
                // Read `done` before polling: an empty page after it means
                // every write is committed and was visible.
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
        })
    };

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut stored = Vec::new();
                for i in 0..INGESTS {
                    let events: Vec<_> = (0..1 + i % 2)
                        .map(|j| event(&format!("w{w}-{i}-{j}"), Status::Sent, Some(T0)))
                        .collect();
                    stored.extend(events.iter().map(|e| e.message_id.clone()));
                    // A retry of an event stored just before: not a new event.
                    let mut batch = events;
                    if i > 0 {
                        batch.push(event(&format!("w{w}-{}-0", i - 1), Status::Sent, Some(T0)));
                    }
                    store.ingest(ingest_of(batch, Vec::new())).await.unwrap();
                }
                stored
            })
        })
        .collect();
    let mut expected_ids = HashSet::new();
    for writer in writers {
        expected_ids.extend(writer.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = poller.await.unwrap();

    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no event seen twice");
    assert_eq!(unique, expected_ids, "every event seen");
}

#[tokio::test]
async fn quarantined_bodies_round_trip_as_text_or_base64() {
    let (_dir, store) = fresh().await;
    let text = Ingest {
        raw: raw(b"not json {"),
        parsed: Parsed::Quarantined {
            error: "expected value at line 1".into(),
        },
    };
    let binary = Ingest {
        raw: RawRequest {
            provider: Provider::Clearline,
            path: "/client-callback/clearline-status".into(),
            received_at: T0 + 5,
            ..raw(&[0xff, 0xfe, 0x00, 0x41])
        },
        parsed: Parsed::Quarantined {
            error: "not UTF-8".into(),
        },
    };
    let outcome = store.ingest(text).await.unwrap();
    assert_eq!(
        outcome,
        IngestOutcome {
            quarantined: true,
            ..Default::default()
        }
    );
    ingest_events(&store, vec![event("m", Status::Sent, None)]).await;
    store.ingest(binary).await.unwrap();

    let quarantined = store.quarantined().await.unwrap();
    assert_eq!(quarantined.len(), 2);
    let (first, second) = (&quarantined[0], &quarantined[1]);
    assert!(first.id < second.id);
    assert_eq!(first.provider, Provider::Smarthive);
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/client-callback/smarthive-status");
    assert_eq!(first.received_at, T0 + 1_000_000);
    assert_eq!(first.error, "expected value at line 1");
    assert_eq!(first.body, "not json {");
    assert_eq!(second.provider, Provider::Clearline);
    assert_eq!(second.received_at, T0 + 5);
    assert_eq!(second.error, "not UTF-8");
    assert_eq!(second.body, "//4AQQ==");
}

#[tokio::test]
async fn migrations_are_idempotent_and_data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    {
        let store = SqliteStore::open(&path).await.unwrap();
        ingest_events(&store, vec![event("m", Status::Delivered, Some(T0))]).await;
        store
            .ingest(ingest_of(Vec::new(), vec![inbound_message("mo")]))
            .await
            .unwrap();
        assert_eq!(store.setting_or_insert("token", "first").await.unwrap(), "first");
        // Opened twice at once, on the same file.
        let again = SqliteStore::open(&path).await.unwrap();
        assert_eq!(again.events(None, 10).await.unwrap().events.len(), 2);
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(current(&store, "m").await, (Status::Delivered, Some(T0)));
    assert_eq!(store.events(None, 10).await.unwrap().events.len(), 2);
    assert_eq!(store.inbound(None, 10).await.unwrap().messages.len(), 1);
    assert_eq!(store.setting_or_insert("token", "second").await.unwrap(), "first");
    assert_eq!(store.setting_or_insert("other", "second").await.unwrap(), "second");

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    assert_eq!(version, 1);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_database_from_a_newer_smsgate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(SqliteStore::open(&path).await.unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    assert!(matches!(SqliteStore::open(&path).await, Err(StoreError::Other(_))));
}

#[tokio::test]
async fn a_locked_database_is_unavailable_and_nothing_is_acknowledged() {
    let (dir, store) = fresh().await;
    let path = db_path(&dir);
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
async fn an_in_memory_database_works_on_one_connection() {
    let store = SqliteStore::open(":memory:").await.unwrap();
    ingest_events(&store, vec![event("m", Status::Read, None)]).await;
    assert_eq!(current(&store, "m").await, (Status::Read, None));
    assert_eq!(store.events(None, 10).await.unwrap().events.len(), 1);
}
