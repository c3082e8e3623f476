//! Message search (filters, newest-first paging that never skips or
//! repeats, time windows) and delivery statistics (counts, rate, latency
//! percentiles checked against figures worked out by hand).

use smsgate_normalize::views::{LatencyPercentiles, MessageSummary};
use smsgate_normalize::{Provider, Status, StatusEvent};
use smsgate_store::{DeliveryWindow, Ingest, MessageSearch, Store, StoreError};

use crate::support::*;

suite!(
    a_search_pages_newest_first_without_skipping_or_repeating,
    a_search_filters_by_id_number_provider_status_and_window,
    delivery_stats_count_statuses_and_rank_delays_as_worked_out_by_hand,
    the_times_a_message_keeps_do_not_depend_on_arrival_order,
);

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// A status event of `message_id` through `provider`.
fn status(provider: Provider, message_id: &str, status: Status, occurred_at: Option<i64>) -> StatusEvent {
    StatusEvent {
        provider,
        to: Some("+27990000000".into()),
        ..event(message_id, status, occurred_at)
    }
}

/// Stores `events` as one callback received at `received_at`.
async fn receive(store: &dyn Store, received_at: i64, events: Vec<StatusEvent>) {
    let mut ingest: Ingest = ingest_of(events, Vec::new());
    ingest.raw.received_at = received_at;
    store.ingest(ingest).await.unwrap();
}

/// Every page of `search`, `limit` at a time: the messages' ids in order.
async fn all_pages(store: &dyn Store, search: MessageSearch) -> Vec<(Provider, String)> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .search_messages(MessageSearch {
                after: after.clone(),
                ..search.clone()
            })
            .await
            .unwrap();
        assert!(page.messages.len() <= search.limit);
        found.extend(page.messages.iter().map(|m| (m.provider, m.message_id.clone())));
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return found,
        }
    }
}

fn ids(found: &[MessageSummary]) -> Vec<&str> {
    found.iter().map(|m| m.message_id.as_str()).collect()
}

async fn a_search_pages_newest_first_without_skipping_or_repeating(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    // 23 messages over three providers, several first seen at the same
    // millisecond (so that page boundaries fall inside ties).
    let mut expected = Vec::new();
    for i in 0..23 {
        let provider = Provider::ALL[i % 3];
        let id = format!("m{i:02}");
        let at = T0 + (i as i64 / 4) * 1000;
        receive(store, at, vec![status(provider, &id, Status::Sent, Some(at))]).await;
        expected.push((at, provider.as_str(), provider, id));
    }
    // Ties broken by provider id and message id, as text.
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<(Provider, String)> = expected.into_iter().map(|(_, _, p, id)| (p, id)).collect();
    for limit in [1, 4, 5, 23, 100] {
        let search = MessageSearch {
            limit,
            ..MessageSearch::default()
        };
        assert_eq!(all_pages(store, search).await, expected, "pages of {limit}");
    }
    // A message that arrives meanwhile is newer: it does not shift the
    // pages still to come.
    let first = store
        .search_messages(MessageSearch {
            limit: 5,
            ..MessageSearch::default()
        })
        .await
        .unwrap();
    receive(
        store,
        T0 + HOUR,
        vec![status(Provider::Clearline, "late", Status::Sent, None)],
    )
    .await;
    let second = store
        .search_messages(MessageSearch {
            limit: 5,
            after: first.next_cursor.clone(),
            ..MessageSearch::default()
        })
        .await
        .unwrap();
    let seen: Vec<(Provider, String)> = first
        .messages
        .iter()
        .chain(&second.messages)
        .map(|m| (m.provider, m.message_id.clone()))
        .collect();
    assert_eq!(seen, expected[..10]);

    for bad in ["nonsense", "12", "x:clickatell:m1", "1:nobody:m1"] {
        let result = store
            .search_messages(MessageSearch {
                limit: 5,
                after: Some(bad.into()),
                ..MessageSearch::default()
            })
            .await;
        assert!(matches!(result, Err(StoreError::BadCursor(_))), "{bad}: {result:?}");
    }
}

async fn a_search_filters_by_id_number_provider_status_and_window(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    let delivered = |provider, id: &str, to: &str, client: Option<&str>| StatusEvent {
        to: Some(to.into()),
        client_message_id: client.map(Into::into),
        ..status(provider, id, Status::Delivered, Some(T0))
    };
    receive(
        store,
        T0,
        vec![delivered(Provider::Clickatell, "a", "+27820000001", Some("ob_1"))],
    )
    .await;
    receive(
        store,
        T0 + 10,
        vec![delivered(Provider::Clearline, "b", "27820000001", None)],
    )
    .await;
    receive(
        store,
        T0 + 20,
        vec![status(Provider::Clearline, "c", Status::Expired, Some(T0))],
    )
    .await;
    receive(
        store,
        T0 + 30,
        vec![delivered(Provider::Smarthive, "a", "+27830000009", Some("ob_2"))],
    )
    .await;
    let search = |edit: fn(&mut MessageSearch)| {
        let mut search = MessageSearch {
            limit: 10,
            ..MessageSearch::default()
        };
        edit(&mut search);
        async move { store.search_messages(search).await.unwrap().messages }
    };
    // The same number whether the provider wrote it with `+` or without.
    assert_eq!(ids(&search(|s| s.to = Some("+27820000001".into())).await), ["b", "a"]);
    assert_eq!(ids(&search(|s| s.to = Some("27820000001".into())).await), ["b", "a"]);
    // An id is found at every provider that has it, unless one is named.
    let by_id = search(|s| s.id = Some("a".into())).await;
    assert_eq!(
        by_id.iter().map(|m| m.provider).collect::<Vec<_>>(),
        [Provider::Smarthive, Provider::Clickatell]
    );
    let one = search(|s| {
        s.id = Some("a".into());
        s.provider = Some(Provider::Clickatell);
    })
    .await;
    assert_eq!((one.len(), one[0].client_message_id.as_deref()), (1, Some("ob_1")));
    assert_eq!(ids(&search(|s| s.outbound_id = Some("ob_2".into())).await), ["a"]);
    assert!(search(|s| s.outbound_id = Some("ob_9".into())).await.is_empty());
    assert_eq!(
        ids(&search(|s| s.provider = Some(Provider::Clearline)).await),
        ["c", "b"]
    );
    assert_eq!(ids(&search(|s| s.status = Some(Status::Expired)).await), ["c"]);
    // since is inclusive, until exclusive, both on first_seen_at.
    assert_eq!(
        ids(&search(|s| {
            s.since = Some(T0 + 10);
            s.until = Some(T0 + 30);
        })
        .await),
        ["c", "b"]
    );
    assert_eq!(
        ids(&search(|s| {
            s.status = Some(Status::Delivered);
            s.provider = Some(Provider::Clearline);
            s.since = Some(T0 + 5);
        })
        .await),
        ["b"]
    );
    let b = &search(|s| s.id = Some("b".into())).await[0];
    assert_eq!(
        (b.status, b.first_seen_at, b.to.as_deref()),
        (Status::Delivered, T0 + 10, Some("27820000001"))
    );
}

/// A message first seen at `first_seen`, accepted (submitted) at
/// `submitted` when given, then ending `end` at `end_at`.
async fn message(
    store: &dyn Store,
    provider: Provider,
    id: &str,
    first_seen: i64,
    submitted: Option<i64>,
    end: Status,
    end_at: i64,
) {
    if let Some(submitted) = submitted {
        receive(
            store,
            first_seen,
            vec![status(provider, id, Status::Accepted, Some(submitted))],
        )
        .await;
    }
    receive(
        store,
        first_seen.max(end_at),
        vec![status(provider, id, end, Some(end_at))],
    )
    .await;
}

async fn delivery_stats_count_statuses_and_rank_delays_as_worked_out_by_hand(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    let clearline = Provider::Clearline;
    // First hour: ten delivered after 1 s, 2 s, ... 10 s (stored in
    // shuffled order), two undelivered, one still on its way.
    for delay in [7, 2, 9, 4, 1, 10, 5, 3, 8, 6] {
        let at = T0 + delay * MINUTE;
        message(
            store,
            clearline,
            &format!("d{delay}"),
            at,
            Some(at),
            Status::Delivered,
            at + delay * 1000,
        )
        .await;
    }
    for id in ["u1", "u2"] {
        message(
            store,
            clearline,
            id,
            T0 + 30 * MINUTE,
            Some(T0 + 30 * MINUTE),
            Status::Undelivered,
            T0 + 40 * MINUTE,
        )
        .await;
    }
    message(
        store,
        clearline,
        "s1",
        T0 + 50 * MINUTE,
        Some(T0 + 50 * MINUTE),
        Status::Sent,
        T0 + 51 * MINUTE,
    )
    .await;
    // Second hour: delays of 100, 300 and 200 ms (one of them read), and
    // one delivered without a known submission (no latency).
    for (id, delay, end) in [
        ("e1", 100, Status::Delivered),
        ("e2", 300, Status::Read),
        ("e3", 200, Status::Delivered),
    ] {
        let at = T0 + HOUR + 5 * MINUTE;
        message(store, clearline, id, at, Some(at), end, at + delay).await;
    }
    message(
        store,
        clearline,
        "e4",
        T0 + HOUR + 6 * MINUTE,
        None,
        Status::Delivered,
        T0 + HOUR + 7 * MINUTE,
    )
    .await;
    // Outside the window: before it, and at its end (exclusive).
    message(
        store,
        clearline,
        "early",
        T0 - 1,
        Some(T0 - 1),
        Status::Delivered,
        T0 + 1,
    )
    .await;
    message(
        store,
        clearline,
        "late",
        T0 + 2 * HOUR,
        Some(T0 + 2 * HOUR),
        Status::Rejected,
        T0 + 2 * HOUR,
    )
    .await;
    // SmartHive: a delivery its clock puts before our submission: delay 0.
    message(
        store,
        Provider::Smarthive,
        "skew",
        T0 + 10,
        Some(T0 + 10),
        Status::Delivered,
        T0 + 5,
    )
    .await;

    let window = DeliveryWindow::new(Some(T0), Some(T0 + 2 * HOUR), Some(HOUR), None, T0).unwrap();
    let stats = store.delivery_stats(window).await.unwrap();
    assert_eq!((stats.since, stats.until, stats.bucket), (T0, T0 + 2 * HOUR, HOUR));
    assert_eq!(
        stats.providers.iter().map(|p| p.provider).collect::<Vec<_>>(),
        Provider::ALL
    );
    let line = stats.providers.iter().find(|p| p.provider == clearline).unwrap();
    let latency = |count, p50, p90, p99| LatencyPercentiles {
        count,
        p50: Some(p50),
        p90: Some(p90),
        p99: Some(p99),
    };
    let [first, second] = &line.buckets[..] else {
        panic!("{:?}", line.buckets)
    };
    assert_eq!((first.start, second.start), (T0, T0 + HOUR));
    assert_eq!(first.figures.messages, 13);
    assert_eq!(
        (
            first.figures.statuses.delivered,
            first.figures.statuses.undelivered,
            first.figures.statuses.sent
        ),
        (10, 2, 1)
    );
    assert_eq!(first.figures.delivery_rate, Some(10.0 / 12.0));
    // Nearest rank of 10: p50 the 5th, p90 the 9th, p99 the 10th.
    assert_eq!(first.figures.latency, latency(10, 5000, 9000, 10000));
    assert_eq!((second.figures.messages, second.figures.statuses.read), (4, 1));
    assert_eq!(second.figures.delivery_rate, Some(1.0));
    // Of 3: the 2nd, the 3rd, the 3rd.
    assert_eq!(second.figures.latency, latency(3, 200, 300, 300));
    // The window: 100, 200, 300, 1000 ... 10000 (13 delays): the 7th
    // (4000), the 12th (9000), the 13th (10000).
    assert_eq!(line.total.messages, 17);
    assert_eq!(line.total.latency, latency(13, 4000, 9000, 10000));
    assert_eq!(line.total.delivery_rate, Some(14.0 / 16.0));

    let hive = stats
        .providers
        .iter()
        .find(|p| p.provider == Provider::Smarthive)
        .unwrap();
    assert_eq!(hive.total.latency, latency(1, 0, 0, 0));
    let click = stats
        .providers
        .iter()
        .find(|p| p.provider == Provider::Clickatell)
        .unwrap();
    assert_eq!((click.total.messages, click.total.delivery_rate), (0, None));
    assert_eq!(click.total.latency, LatencyPercentiles::default());
    assert_eq!(click.buckets.len(), 2);

    // One provider, in buckets that do not divide the window: the last is
    // cut short at `until`.
    let window = DeliveryWindow::new(Some(T0), Some(T0 + 2 * HOUR), Some(50 * MINUTE), Some(clearline), T0).unwrap();
    let stats = store.delivery_stats(window).await.unwrap();
    assert_eq!(stats.providers.len(), 1);
    let counts: Vec<u64> = stats.providers[0].buckets.iter().map(|b| b.figures.messages).collect();
    // d1..d10 at minutes 1..10, u1 u2 at 30 in the first; s1 at 50 and
    // e1..e4 at 65, 66 in the second; nothing in the third.
    assert_eq!(counts, [12, 5, 0]);

    // A narrow window (SQLite reads it through the first-seen index, not
    // the whole table): e1..e4, the second hour's first ten minutes.
    let since = T0 + HOUR;
    let window = DeliveryWindow::new(Some(since), Some(since + 10 * MINUTE), Some(HOUR), Some(clearline), T0).unwrap();
    let stats = store.delivery_stats(window).await.unwrap();
    let total = &stats.providers[0].total;
    assert_eq!((total.messages, total.statuses.read), (4, 1));
    assert_eq!(total.latency, latency(3, 200, 300, 300));
}

async fn the_times_a_message_keeps_do_not_depend_on_arrival_order(backend: &Backend) {
    let f = Fixture::new(backend).await;
    let store = &*f.store;
    let events = [
        (
            T0 + 300,
            status(Provider::Clickatell, "x", Status::Delivered, Some(T0 + 250)),
        ),
        (
            T0 + 100,
            status(Provider::Clickatell, "x", Status::Accepted, Some(T0 + 90)),
        ),
        (
            T0 + 200,
            status(Provider::Clickatell, "x", Status::Read, Some(T0 + 240)),
        ),
        (T0 + 150, status(Provider::Clickatell, "x", Status::Accepted, None)),
    ];
    // Delivered first, then the rest; and once more in one callback each
    // for a second message.
    for (received_at, event) in events.iter().cloned() {
        receive(store, received_at, vec![event]).await;
    }
    receive(
        store,
        T0 + 120,
        events
            .iter()
            .rev()
            .map(|(_, e)| StatusEvent {
                message_id: "y".into(),
                dedup_key: format!("y{}", e.dedup_key),
                ..e.clone()
            })
            .collect(),
    )
    .await;
    let found = store
        .search_messages(MessageSearch {
            limit: 10,
            ..MessageSearch::default()
        })
        .await
        .unwrap()
        .messages;
    let times: Vec<_> = found
        .iter()
        .map(|m| {
            (
                m.message_id.as_str(),
                m.first_seen_at,
                m.submitted_at,
                m.delivered_at,
                m.status,
            )
        })
        .collect();
    assert_eq!(
        times,
        [
            ("y", T0 + 120, Some(T0 + 90), Some(T0 + 240), Status::Read),
            ("x", T0 + 100, Some(T0 + 90), Some(T0 + 240), Status::Read),
        ]
    );
}
