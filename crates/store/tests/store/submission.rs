//! A message we submitted (`smsgate send`) starts its timeline once, and
//! never moves a later status back.

use smsgate_normalize::views::FeedEvent;
use smsgate_normalize::{Provider, Status, StatusEvent};
use smsgate_store::Submission;

use crate::support::*;

suite!(a_submission_starts_the_timeline_once_and_never_moves_a_later_status_back);

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
