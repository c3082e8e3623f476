//! A message's status and `status_at` follow the precedence rules whatever
//! the order, batching and retries of its events: worked cases, and a
//! property test against the rule itself on every backend.

use proptest::prelude::*;
use smsgate_normalize::{Provider, Status, StatusEvent};

use crate::support::*;

suite!(
    a_late_sent_does_not_replace_delivered,
    read_beats_delivered_and_delivered_beats_a_failure,
    within_the_failure_family_the_later_time_wins,
    status_at_is_the_earliest_time_among_events_with_the_current_status,
);

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
