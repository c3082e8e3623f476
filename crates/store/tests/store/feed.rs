//! The feed and its cursor: every event once and in order, page by page;
//! bad and future cursors refused; and a poller that never misses or
//! repeats an event while writers commit.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use smsgate_normalize::Status;
use smsgate_normalize::views::FeedEvent;
use smsgate_store::StoreError;

use crate::support::*;

suite!(
    the_feed_pages_through_every_event_once_in_order,
    a_cursor_that_is_not_a_feed_position_is_rejected,
    a_cursor_from_the_future_is_rejected,
    a_poller_sees_every_event_once_while_writers_commit,
);

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
