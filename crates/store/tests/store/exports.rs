//! What an export keeps in the store: one replica at a time holds its
//! lease (another takes it once it lapses), a step is stored only by the
//! holder, dead letters come and go, replays keep their positions, and the
//! lag counts the feed after the cursor.

use smsgate_normalize::Status;
use smsgate_normalize::views::DeadLetterView;
use smsgate_store::exports::{ExportProgress, ReplayProgress};

use crate::support::*;

suite!(
    one_replica_holds_an_export_until_its_lease_lapses,
    a_step_is_stored_only_by_the_holder_with_its_dead_letters_and_replays
);

const LEASE: i64 = 1_000;

async fn one_replica_holds_an_export_until_its_lease_lapses(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    let held = store.hold_export("bus", "a", T0, T0 + LEASE).await.unwrap().unwrap();
    assert_eq!((held.cursor, held.replays.len()), (None, 0));
    assert!(
        store
            .hold_export("bus", "b", T0 + 10, T0 + 10 + LEASE)
            .await
            .unwrap()
            .is_none()
    );
    // Its holder renews it; another export is free.
    assert!(
        store
            .hold_export("bus", "a", T0 + 500, T0 + 500 + LEASE)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .hold_export("hook", "b", T0 + 500, T0 + 500 + LEASE)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .hold_export("bus", "b", T0 + 1_400, T0 + 1_400 + LEASE)
            .await
            .unwrap()
            .is_none()
    );
    // Lapsed: taken over, and the old holder can neither renew nor store.
    assert!(
        store
            .hold_export("bus", "b", T0 + 1_600, T0 + 1_600 + LEASE)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .hold_export("bus", "a", T0 + 1_700, T0 + 1_700 + LEASE)
            .await
            .unwrap()
            .is_none()
    );
    let step = ExportProgress {
        cursor: Some("7".into()),
        ..ExportProgress::default()
    };
    assert!(!store.save_export("bus", "a", T0 + 2_000, step.clone()).await.unwrap());
    assert!(store.save_export("bus", "b", T0 + 2_000, step).await.unwrap());
    let records = store.exports().await.unwrap();
    let bus = records.iter().find(|r| r.name == "bus").unwrap();
    assert_eq!((bus.cursor.as_deref(), bus.owner.as_deref()), (Some("7"), Some("b")));
}

async fn a_step_is_stored_only_by_the_holder_with_its_dead_letters_and_replays(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    ingest_events(
        store,
        (0..5)
            .map(|n| event(&format!("m{n}"), Status::Delivered, Some(T0)))
            .collect(),
    )
    .await;
    let feed = store.events(None, 100).await.unwrap().events;
    assert!(store.hold_export("hook", "a", T0, T0 + LEASE).await.unwrap().is_some());
    let dead = |n: usize| DeadLetterView {
        id: feed[n].id(),
        error: "answered 500".into(),
        attempts: 3,
        failed_at: T0 + 5,
        event: feed[n].clone(),
    };
    let step = ExportProgress {
        cursor: Some(feed[2].cursor().to_string()),
        dead_letters: vec![dead(0), dead(1)],
        last_error: Some("answered 500".into()),
        ..ExportProgress::default()
    };
    assert!(store.save_export("hook", "a", T0 + LEASE, step).await.unwrap());
    let record = store.exports().await.unwrap().remove(0);
    assert_eq!(record.cursor.as_deref(), Some(feed[2].cursor()));
    assert_eq!((record.lag, record.last_error.as_deref()), (2, Some("answered 500")));
    assert_eq!(store.dead_letters("hook").await.unwrap(), vec![dead(0), dead(1)]);
    assert!(store.dead_letters("bus").await.unwrap().is_empty());

    let replay = store.replay_export("hook", Some(T0), T0 + 100, T0 + 50).await.unwrap();
    assert_eq!(
        (replay.export.as_str(), replay.since, replay.until),
        ("hook", Some(T0), T0 + 100)
    );
    let held = store
        .hold_export("hook", "a", T0 + 60, T0 + 60 + LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.replays.len(), 1);
    assert_eq!(
        (held.replays[0].id, held.replays[0].position.as_ref()),
        (replay.id, None)
    );
    // A replay page delivered event 0 again: its dead letter goes; the
    // cursor stays where it was when the step does not move it.
    let step = ExportProgress {
        replay: Some(ReplayProgress::At {
            id: replay.id,
            position: feed[0].cursor().to_string(),
        }),
        delivered: vec![feed[0].cursor().to_string()],
        ..ExportProgress::default()
    };
    assert!(store.save_export("hook", "a", T0 + LEASE, step).await.unwrap());
    assert_eq!(store.dead_letters("hook").await.unwrap(), vec![dead(1)]);
    let held = store
        .hold_export("hook", "a", T0 + 70, T0 + 70 + LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.cursor.as_deref(), Some(feed[2].cursor()));
    assert_eq!(held.replays[0].position.as_deref(), Some(feed[0].cursor()));
    let done = ExportProgress {
        replay: Some(ReplayProgress::Done { id: replay.id }),
        ..ExportProgress::default()
    };
    assert!(store.save_export("hook", "a", T0 + LEASE, done).await.unwrap());
    let held = store
        .hold_export("hook", "a", T0 + 80, T0 + 80 + LEASE)
        .await
        .unwrap()
        .unwrap();
    assert!(held.replays.is_empty());
    assert_eq!(
        store.exports().await.unwrap()[0].last_error,
        None,
        "a clean step clears the error"
    );
}
