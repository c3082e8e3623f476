//! Dedup: a provider's retry of an event, or of an inbound message, is
//! stored once (its raw request every time), on every backend.

use smsgate_normalize::{InboundType, Provider, Status};
use smsgate_store::IngestOutcome;

use crate::support::*;

suite!(
    a_retried_event_is_stored_once_and_its_raw_request_twice,
    an_inbound_message_is_stored_once,
    unknown_message_is_none,
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
