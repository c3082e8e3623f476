//! Quarantined requests: bodies listed as text or base64, and a replay
//! that stores a request's events once, also when replays race.

use smsgate_normalize::views::FeedEvent;
use smsgate_normalize::{Provider, Status};
use smsgate_store::{Ingest, IngestOutcome, Parsed, RawRequest};

use crate::support::*;

suite!(
    quarantined_bodies_round_trip_as_text_or_base64,
    a_replayed_quarantined_request_stores_its_events_once,
    replays_racing_on_one_request_store_it_once,
);

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
