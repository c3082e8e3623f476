//! Every store backend against the `Store` contract: dedup, precedence
//! whatever the arrival order, the feed's cursor (also with concurrent
//! writers), quarantine, migrations and durability across reopen. Each case
//! runs on SQLite always, and on PostgreSQL when SMSGATE_TEST_POSTGRES_URL
//! is set (skipped, saying so, otherwise). SQLite-only cases are at the end;
//! PostgreSQL-only ones (replicas, timeouts) are in `postgres.rs`.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use proptest::prelude::*;
use smsgate_normalize::views::FeedEvent;
use smsgate_normalize::{InboundType, Provider, Status, StatusEvent};
use smsgate_store::{Ingest, IngestOutcome, Parsed, RawRequest, SqliteStore, Store, StoreError, Submission};
use support::*;

/// Runs each named `async fn(&Backend)` as one test per backend.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(&super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(backend) = super::Backend::postgres() {
                        super::$name(&backend).await
                    }
                }
            )*
        }
    };
}

suite!(
    a_retried_event_is_stored_once_and_its_raw_request_twice,
    an_inbound_message_is_stored_once,
    unknown_message_is_none,
    a_late_sent_does_not_replace_delivered,
    read_beats_delivered_and_delivered_beats_a_failure,
    within_the_failure_family_the_later_time_wins,
    status_at_is_the_earliest_time_among_events_with_the_current_status,
    the_feed_pages_through_every_event_once_in_order,
    a_cursor_that_is_not_a_feed_position_is_rejected,
    a_cursor_from_the_future_is_rejected,
    a_poller_sees_every_event_once_while_writers_commit,
    quarantined_bodies_round_trip_as_text_or_base64,
    a_replayed_quarantined_request_stores_its_events_once,
    replays_racing_on_one_request_store_it_once,
    migrations_are_idempotent_and_data_survives_reopen,
    a_database_from_a_newer_smsgate_is_refused,
    a_submission_starts_the_timeline_once_and_never_moves_a_later_status_back,
);

async fn a_retried_event_is_stored_once_and_its_raw_request_twice(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    let delivered = event("m1", Status::Delivered, Some(T0));
    let first = ingest_events(store, vec![delivered.clone()]).await;
    assert_eq!(
        first,
        IngestOutcome {
            status_events_stored: 1,
            ..Default::default()
        }
    );
    let second = ingest_events(store, vec![delivered.clone()]).await;
    assert_eq!(
        second,
        IngestOutcome {
            duplicates: 1,
            ..Default::default()
        }
    );
    // A duplicate inside one batch too.
    let third = ingest_events(
        store,
        vec![event("m2", Status::Sent, None), event("m2", Status::Sent, None)],
    )
    .await;
    assert_eq!((third.status_events_stored, third.duplicates), (1, 1));

    assert_eq!(f.count("raw_requests").await, 3);
    assert_eq!(f.count("status_events").await, 2);
    assert_eq!(f.count("feed").await, 2);
    let view = store.message(Provider::Smarthive, "m1").await.unwrap().unwrap();
    assert_eq!(view.events.len(), 1);
    assert_eq!(view.client_message_id.as_deref(), Some("client-m1"));
    assert_eq!(store.events(None, 100).await.unwrap().events.len(), 2);
}

async fn an_inbound_message_is_stored_once(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
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
    assert_eq!(f.count("inbound_messages").await, 1);

    let page = store.inbound(None, 10).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    let message = &page.messages[0];
    assert_eq!(message.message_id, "mo-1");
    assert_eq!(message.kind, InboundType::Text);
    assert_eq!(message.payload, inbound_message("mo-1").payload);
    // The payload as sent, key order included.
    assert_eq!(message.payload.to_string(), inbound_message("mo-1").payload.to_string());
    assert_eq!(message.received_at, T0 + 1_000_000);
    assert_eq!(page.next_cursor, message.cursor);
    // Not an outbound message.
    assert_eq!(store.message(Provider::Clickatell, "mo-1").await.unwrap(), None);
}

async fn unknown_message_is_none(backend: &Backend) {
    let f = Fixture::new(backend).await;
    assert_eq!(f.store.message(Provider::Clearline, "nope").await.unwrap(), None);
}

async fn a_late_sent_does_not_replace_delivered(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    ingest_events(store, vec![event("m", Status::Delivered, Some(T0 + 10))]).await;
    ingest_events(store, vec![event("m", Status::Sent, Some(T0 + 5))]).await;
    assert_eq!(current(store, "m").await, (Status::Delivered, Some(T0 + 10)));
    // Events in provider-time order.
    let view = store.message(Provider::Smarthive, "m").await.unwrap().unwrap();
    let statuses: Vec<_> = view.events.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Status::Sent, Status::Delivered]);
}

async fn read_beats_delivered_and_delivered_beats_a_failure(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    ingest_events(store, vec![event("m", Status::Read, Some(T0))]).await;
    ingest_events(store, vec![event("m", Status::Delivered, Some(T0 + 100))]).await;
    assert_eq!(current(store, "m").await, (Status::Read, Some(T0)));

    ingest_events(store, vec![event("n", Status::Undelivered, Some(T0 + 100))]).await;
    ingest_events(store, vec![event("n", Status::Delivered, Some(T0))]).await;
    assert_eq!(current(store, "n").await, (Status::Delivered, Some(T0)));
}

async fn within_the_failure_family_the_later_time_wins(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    ingest_events(store, vec![event("m", Status::Expired, Some(T0 + 20))]).await;
    ingest_events(store, vec![event("m", Status::Rejected, Some(T0 + 10))]).await;
    assert_eq!(current(store, "m").await, (Status::Expired, Some(T0 + 20)));
    ingest_events(store, vec![event("m", Status::Rejected, Some(T0 + 30))]).await;
    // The earliest rejected event is the one whose time becomes status_at.
    assert_eq!(current(store, "m").await, (Status::Rejected, Some(T0 + 10)));
    // A failure without a time loses to one with a time.
    ingest_events(store, vec![event("m", Status::Cancelled, None)]).await;
    assert_eq!(current(store, "m").await, (Status::Rejected, Some(T0 + 10)));
}

async fn status_at_is_the_earliest_time_among_events_with_the_current_status(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    ingest_events(store, vec![event("m", Status::Delivered, None)]).await;
    assert_eq!(current(store, "m").await, (Status::Delivered, None));
    ingest_events(store, vec![event("m", Status::Delivered, Some(T0 + 50))]).await;
    assert_eq!(current(store, "m").await, (Status::Delivered, Some(T0 + 50)));
    ingest_events(store, vec![event("m", Status::Delivered, Some(T0 + 20))]).await;
    assert_eq!(current(store, "m").await, (Status::Delivered, Some(T0 + 20)));
    // Earlier events of other statuses do not count.
    ingest_events(store, vec![event("m", Status::Sent, Some(T0))]).await;
    assert_eq!(current(store, "m").await, (Status::Delivered, Some(T0 + 20)));
    // Events listed by provider time, those without one last.
    let view = store.message(Provider::Smarthive, "m").await.unwrap().unwrap();
    let times: Vec<_> = view.events.iter().map(|e| e.occurred_at).collect();
    assert_eq!(times, [Some(T0), Some(T0 + 20), Some(T0 + 50), None]);
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

async fn final_state(
    backend: &Backend,
    events: &[(Status, Option<i64>)],
    order: &[usize],
    chunk: usize,
) -> (Status, Option<i64>, usize) {
    let f = Fixture::new(backend).await;
    let mut duplicates = 0;
    for batch in order.chunks(chunk) {
        let batch = batch.iter().map(|&i| proptest_event(i, events[i])).collect();
        duplicates += ingest_events(&*f.store, batch).await.duplicates;
    }
    let (status, at) = current(&*f.store, "m").await;
    (status, at, duplicates)
}

/// The final state does not depend on arrival order, batching or retries.
fn arrival_order_does_not_matter(
    backend: &Backend,
    (events, order, chunk): (Events, Vec<usize>, usize),
) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sorted: Vec<usize> = (0..events.len()).collect();
    let (sorted_status, sorted_at, _) = runtime.block_on(final_state(backend, &events, &sorted, 1));
    let (status, at, duplicates) = runtime.block_on(final_state(backend, &events, &order, chunk));
    prop_assert_eq!((status, at), (sorted_status, sorted_at));
    prop_assert_eq!((status, at), expected(&events));
    prop_assert_eq!(duplicates, order.len() - events.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sqlite_final_state_does_not_depend_on_arrival_order(case in arrival()) {
        arrival_order_does_not_matter(&Backend::Sqlite, case)?;
    }
}

proptest! {
    // Fewer cases: each one creates two schemas.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn postgres_final_state_does_not_depend_on_arrival_order(case in arrival()) {
        if let Some(backend) = Backend::postgres() {
            arrival_order_does_not_matter(&backend, case)?;
        }
    }
}

async fn the_feed_pages_through_every_event_once_in_order(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
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
            ingest_events(store, vec![event(&id, Status::Sent, Some(T0 + i))]).await;
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
    ingest_events(store, vec![event("late", Status::Delivered, None)]).await;
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
    let f = Fixture::new(backend).await;
    let empty = &*f.store;
    let page = empty.events(None, 10).await.unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.next_cursor, "0");
    assert_eq!(empty.inbound(None, 10).await.unwrap().next_cursor, "0");
    assert_eq!(empty.events(Some("0"), 10).await.unwrap().next_cursor, "0");
}

async fn a_cursor_that_is_not_a_feed_position_is_rejected(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
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
async fn a_cursor_from_the_future_is_rejected(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    assert!(matches!(store.events(Some("1"), 10).await, Err(StoreError::BadCursor(c)) if c == "1"));
    assert!(matches!(
        store.inbound(Some("1"), 10).await,
        Err(StoreError::BadCursor(_))
    ));
    assert_eq!(store.events(Some("0"), 10).await.unwrap().next_cursor, "0");
    ingest_events(store, vec![event("m", Status::Sent, None)]).await;
    let newest = store.events(None, 10).await.unwrap().next_cursor;
    assert!(store.events(Some(&newest), 10).await.unwrap().events.is_empty());
    let past: u64 = newest.parse::<u64>().unwrap() + 1;
    assert!(matches!(
        store.events(Some(&past.to_string()), 10).await,
        Err(StoreError::BadCursor(_))
    ));
}

async fn a_poller_sees_every_event_once_while_writers_commit(backend: &Backend) {
    const WRITERS: usize = 4;
    const INGESTS: usize = 25;
    let f = Fixture::new(backend).await;
    let store = f.store.clone();
    let done = Arc::new(AtomicBool::new(false));
    let poller = tokio::spawn(poll_until_done(store.clone(), done.clone()));

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

async fn quarantined_bodies_round_trip_as_text_or_base64(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
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
    ingest_events(store, vec![event("m", Status::Sent, None)]).await;
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

async fn a_replayed_quarantined_request_stores_its_events_once(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    let quarantine = |body: &[u8], received_at: i64| Ingest {
        raw: RawRequest {
            query: Some("a=1".into()),
            received_at,
            ..raw(body)
        },
        parsed: Parsed::Quarantined {
            error: "rejected by an older version".into(),
        },
    };
    store.ingest(quarantine(b"parseable today", T0 + 7)).await.unwrap();
    store.ingest(quarantine(b"still garbage", T0 + 8)).await.unwrap();

    let rows = store.quarantined_raw().await.unwrap();
    assert_eq!(rows.len(), 2);
    let (replayable, garbage) = (&rows[0], &rows[1]);
    assert!(replayable.id < garbage.id);
    assert_eq!(replayable.provider, Provider::Smarthive);
    assert_eq!(replayable.method, "POST");
    assert_eq!(replayable.path, "/client-callback/smarthive-status");
    assert_eq!(replayable.query.as_deref(), Some("a=1"));
    assert_eq!(replayable.content_type.as_deref(), Some("application/json"));
    assert_eq!(replayable.body, b"parseable today");
    assert_eq!(replayable.received_at, T0 + 7);
    assert_eq!(replayable.error, "rejected by an older version");

    let status = vec![
        event("q", Status::Sent, Some(T0)),
        event("q", Status::Delivered, Some(T0 + 1)),
    ];
    let inbound = vec![inbound_message("mo-q")];
    let outcome = store
        .resolve_quarantined(replayable.id, status.clone(), inbound.clone())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        IngestOutcome {
            status_events_stored: 2,
            inbound_stored: 1,
            ..Default::default()
        }
    );
    // A second replay (or another machine's) stores nothing.
    let again = store
        .resolve_quarantined(replayable.id, status.clone(), inbound.clone())
        .await
        .unwrap();
    assert_eq!(again, IngestOutcome::default());
    assert_eq!(f.count("status_events").await, 2);
    assert_eq!(f.count("inbound_messages").await, 1);
    assert_eq!(f.count("feed").await, 3);
    assert_eq!(f.count("raw_requests").await, 2, "the raw request is kept, not copied");

    // The row leaves the quarantine; the unparseable one stays.
    let left = store.quarantined().await.unwrap();
    assert_eq!(left.iter().map(|q| q.id).collect::<Vec<_>>(), vec![garbage.id]);
    let left = store.quarantined_raw().await.unwrap();
    assert_eq!(left, vec![garbage.clone()]);

    // Stored as an ingest stores them, received when the request was.
    assert_eq!(current(store, "q").await, (Status::Delivered, Some(T0 + 1)));
    let view = store.message(Provider::Smarthive, "q").await.unwrap().unwrap();
    assert!(view.events.iter().all(|e| e.received_at == T0 + 7));
    let feed = store.events(None, 10).await.unwrap().events;
    assert_eq!(feed.len(), 3);
    let ids: Vec<&str> = feed
        .iter()
        .map(|e| match e {
            FeedEvent::Status(s) => s.message_id.as_str(),
            FeedEvent::Inbound(i) => i.message_id.as_str(),
        })
        .collect();
    assert_eq!(ids, ["q", "q", "mo-q"]);

    // Events a live ingest already stored count as duplicates, once.
    let live = event("live", Status::Read, Some(T0 + 2));
    ingest_events(store, vec![live.clone()]).await;
    let outcome = store
        .resolve_quarantined(garbage.id, vec![live], Vec::new())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        IngestOutcome {
            duplicates: 1,
            ..Default::default()
        }
    );
    assert!(store.quarantined().await.unwrap().is_empty());
    assert_eq!(store.events(None, 10).await.unwrap().events.len(), 4);

    // An id that was never quarantined is a no-op too.
    let none = store
        .resolve_quarantined(9_999_999, vec![event("x", Status::Sent, None)], Vec::new())
        .await
        .unwrap();
    assert_eq!(none, IngestOutcome::default());
    assert_eq!(store.message(Provider::Smarthive, "x").await.unwrap(), None);
}

async fn replays_racing_on_one_request_store_it_once(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let quarantined = Ingest {
        raw: raw(b"old"),
        parsed: Parsed::Quarantined { error: "old".into() },
    };
    f.store.ingest(quarantined).await.unwrap();
    let id = f.store.quarantined_raw().await.unwrap()[0].id;
    // Two "machines": the same database opened twice, replaying at once.
    let other = f.reopen().await.unwrap();
    let mut replays = Vec::new();
    for store in [f.store.clone(), other.clone(), f.store.clone(), other] {
        replays.push(tokio::spawn(async move {
            let events = (0..5)
                .map(|i| event(&format!("r{i}"), Status::Delivered, Some(T0)))
                .collect();
            store.resolve_quarantined(id, events, Vec::new()).await.unwrap()
        }));
    }
    let mut stored = 0;
    for replay in replays {
        let outcome = replay.await.unwrap();
        assert_eq!(
            outcome.duplicates, 0,
            "a replay that lost the race stores and counts nothing"
        );
        stored += outcome.status_events_stored;
    }
    assert_eq!(stored, 5);
    assert_eq!(f.count("status_events").await, 5);
    assert_eq!(f.count("feed").await, 5);
    assert!(f.store.quarantined().await.unwrap().is_empty());
}

async fn migrations_are_idempotent_and_data_survives_reopen(backend: &Backend) {
    let f = Fixture::new(backend).await;
    {
        let store = &*f.store;
        ingest_events(store, vec![event("m", Status::Delivered, Some(T0))]).await;
        store
            .ingest(ingest_of(Vec::new(), vec![inbound_message("mo")]))
            .await
            .unwrap();
        assert_eq!(store.setting_or_insert("token", "first").await.unwrap(), "first");
        // Opened twice at once, on the same database.
        let again = f.reopen().await.unwrap();
        assert_eq!(again.events(None, 10).await.unwrap().events.len(), 2);
    }
    let store = f.reopen().await.unwrap();
    let store = &*store;
    assert_eq!(current(store, "m").await, (Status::Delivered, Some(T0)));
    assert_eq!(store.events(None, 10).await.unwrap().events.len(), 2);
    assert_eq!(store.inbound(None, 10).await.unwrap().messages.len(), 1);
    assert_eq!(store.setting_or_insert("token", "second").await.unwrap(), "first");
    assert_eq!(store.setting_or_insert("other", "second").await.unwrap(), "second");
    assert_eq!(f.schema_version().await, 1);
}

async fn a_database_from_a_newer_smsgate_is_refused(backend: &Backend) {
    let f = Fixture::new(backend).await;
    f.set_schema_version(99).await;
    assert!(matches!(f.reopen().await, Err(StoreError::Other(_))));
}

// SQLite only.

fn submission(message_id: &str, submitted_at: i64) -> Submission {
    Submission {
        provider: Provider::Clickatell,
        message_id: message_id.into(),
        to: "+27820000001".into(),
        from: Some("27830000002".into()),
        client_message_id: Some(format!("ours-{message_id}")),
        submitted_at,
        method: "POST".into(),
        path: "/messages".into(),
    }
}

async fn a_submission_starts_the_timeline_once_and_never_moves_a_later_status_back(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    assert!(store.record_submission(submission("m1", T0)).await.unwrap());
    assert!(
        !store.record_submission(submission("m1", T0)).await.unwrap(),
        "recorded twice"
    );
    let view = store.message(Provider::Clickatell, "m1").await.unwrap().unwrap();
    assert_eq!((view.status, view.status_at), (Status::Accepted, Some(T0)));
    assert_eq!(view.to.as_deref(), Some("+27820000001"));
    assert_eq!(view.from.as_deref(), Some("27830000002"));
    assert_eq!(view.client_message_id.as_deref(), Some("ours-m1"));
    assert_eq!(view.events.len(), 1);
    assert_eq!(view.events[0].raw_status.as_deref(), Some(Submission::RAW_STATUS));
    assert_eq!(view.events[0].occurred_at, Some(T0));
    let feed = store.events(None, 100).await.unwrap().events;
    assert!(
        matches!(feed.as_slice(), [FeedEvent::Status(e)] if e.message_id == "m1" && e.status == Status::Accepted),
        "{feed:?}"
    );

    // A delivery report that was stored before the submission keeps the
    // message's status; the submission still fills in who it was for.
    let delivered = StatusEvent {
        provider: Provider::Clickatell,
        to: None,
        from: None,
        client_message_id: None,
        ..event("m2", Status::Delivered, Some(T0 + 10))
    };
    ingest_events(store, vec![delivered]).await;
    assert!(store.record_submission(submission("m2", T0)).await.unwrap());
    let view = store.message(Provider::Clickatell, "m2").await.unwrap().unwrap();
    assert_eq!((view.status, view.status_at), (Status::Delivered, Some(T0 + 10)));
    assert_eq!(view.to.as_deref(), Some("+27820000001"));
    let statuses: Vec<_> = view.events.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Status::Accepted, Status::Delivered]);
}

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
