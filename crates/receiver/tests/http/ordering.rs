//! A message's status never moves backwards, and the final state does not
//! depend on the order events arrive in (the precedence of
//! `docs/architecture.md`, "Statuses and precedence").

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Value, json};
use smsgate_test_support::receiver::TestReceiver;

use crate::support::one_api_status;
use crate::support::routes::*;

const T0: i64 = 1_700_000_000_000;

/// One API status codes and names, with the status each maps to.
const ONE_API: [(i64, &str, &str); 9] = [
    (1, "UNKNOWN", "unknown"),
    (2, "QUEUED", "accepted"),
    (4, "SENT_TO_SUPPLIER", "sent"),
    (5, "DEVICE_ACK", "delivered"),
    (6, "READ", "read"),
    (20, "EXPIRED", "expired"),
    (21, "CANCELLED", "cancelled"),
    (23, "DELIVERY_FAILURE", "undelivered"),
    (25, "REJECTED", "rejected"),
];

fn code(status: &str) -> (i64, &'static str) {
    let (code, name, _) = ONE_API.iter().find(|(_, _, s)| *s == status).expect("a mapped status");
    (*code, name)
}

/// A One API status update of `message` to `status` at `at`.
fn update(message: &str, status: &str, at: i64) -> Value {
    let (code, name) = code(status);
    one_api_status(message, code, name, at)
}

/// A message, the statuses sent for it (with their times) in arrival order,
/// and the status and `status_at` it must end with.
type Case = (&'static str, &'static [(&'static str, i64)], &'static str, i64);

async fn send_all(r: &TestReceiver, message: &str, sequence: &[(&str, i64)]) {
    for (status, at) in sequence {
        r.post_json(ONE_API_STATUS, &update(message, status, *at))
            .await
            .assert_ack();
    }
}

/// `(status, status_at)` of a message.
async fn state(r: &TestReceiver, message: &str) -> (String, Value) {
    let view = r.message("clickatell", message).await;
    (view["status"].as_str().unwrap().to_string(), view["status_at"].clone())
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for shorter in permutations(n - 1) {
        for at in 0..=shorter.len() {
            let mut p = shorter.clone();
            p.insert(at, n - 1);
            all.push(p);
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_arrival_order_of_accepted_sent_delivered_read_ends_read() {
    let r = TestReceiver::start().await;
    let lifecycle = [
        ("accepted", T0),
        ("sent", T0 + 1_000),
        ("delivered", T0 + 2_000),
        ("read", T0 + 3_000),
    ];
    let orders = permutations(lifecycle.len());
    assert_eq!(orders.len(), 24);
    // Each order is a message of its own, all sent at once; within one
    // message the callbacks go one after another, with one of them twice.
    let runs = orders.iter().enumerate().map(|(i, order)| {
        let r = &r;
        async move {
            let mut sequence: Vec<(&str, i64)> = order.iter().map(|&k| lifecycle[k]).collect();
            sequence.insert(i % 5, lifecycle[order[i % 4]]);
            send_all(r, &format!("perm-{i}"), &sequence).await;
        }
    });
    futures::future::join_all(runs).await;

    for (i, order) in orders.iter().enumerate() {
        let view = r.message("clickatell", &format!("perm-{i}")).await;
        assert_eq!(
            (&view["status"], &view["status_at"]),
            (&json!("read"), &json!(T0 + 3_000)),
            "order {order:?}: {view}"
        );
        let events: Vec<(&str, i64)> = view["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["status"].as_str().unwrap(), e["occurred_at"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            events, lifecycle,
            "order {order:?}: events in provider-time order, the duplicate once"
        );
    }
    assert_eq!(r.events().await.len(), 24 * 4);
}

#[tokio::test]
async fn within_the_failure_family_the_later_provider_time_wins() {
    let r = TestReceiver::start().await;
    let cases: [Case; 4] = [
        (
            "fail-1",
            &[("undelivered", T0 + 1), ("expired", T0 + 2)],
            "expired",
            T0 + 2,
        ),
        (
            "fail-2",
            &[("expired", T0 + 2), ("undelivered", T0 + 1)],
            "expired",
            T0 + 2,
        ),
        (
            "fail-3",
            &[("expired", T0 + 1), ("undelivered", T0 + 2)],
            "undelivered",
            T0 + 2,
        ),
        (
            "fail-4",
            &[("undelivered", T0 + 2), ("expired", T0 + 1)],
            "undelivered",
            T0 + 2,
        ),
    ];
    for (id, sequence, _, _) in cases {
        send_all(&r, id, sequence).await;
    }
    for (id, _, status, at) in cases {
        assert_eq!(state(&r, id).await, (status.to_string(), json!(at)), "{id}");
    }
}

#[tokio::test]
async fn delivered_beats_a_later_failure_and_a_late_sent_changes_nothing() {
    let r = TestReceiver::start().await;
    let cases: [Case; 6] = [
        (
            "dlv-1",
            &[("delivered", T0 + 1), ("undelivered", T0 + 2)],
            "delivered",
            T0 + 1,
        ),
        (
            "dlv-2",
            &[("undelivered", T0 + 2), ("delivered", T0 + 1)],
            "delivered",
            T0 + 1,
        ),
        (
            "dlv-3",
            &[("rejected", T0 + 5), ("delivered", T0 + 1), ("expired", T0 + 9)],
            "delivered",
            T0 + 1,
        ),
        (
            "late-1",
            &[("delivered", T0 + 2), ("sent", T0 + 1)],
            "delivered",
            T0 + 2,
        ),
        (
            "late-2",
            &[("delivered", T0 + 2), ("sent", T0 + 3), ("accepted", T0 + 4)],
            "delivered",
            T0 + 2,
        ),
        (
            "late-3",
            &[("undelivered", T0 + 2), ("sent", T0 + 3)],
            "undelivered",
            T0 + 2,
        ),
    ];
    for (id, sequence, _, _) in cases {
        send_all(&r, id, sequence).await;
    }
    for (id, _, status, at) in cases {
        assert_eq!(state(&r, id).await, (status.to_string(), json!(at)), "{id}");
    }
}

/// Read literally, the rule "within the failure family the later provider
/// timestamp wins, ties and missing timestamps broken by a fixed order of the
/// statuses" gives no order at all when one time is missing: rejected@5
/// beats expired@3 (time), expired@3 beats undelivered@- (fixed order),
/// undelivered@- beats rejected@5 (fixed order), so the result would
/// depend on arrival order. smsgate's precedence is a total order: a failure
/// without a time ranks below every timed one; two without (or equal) times
/// go by the fixed order. Either arrival order ends the same.
#[tokio::test]
async fn a_failure_with_a_time_beats_one_without() {
    let r = TestReceiver::start().await;
    let undelivered = update("untimed-1", "undelivered", T0 + 5);
    let mut cancelled = update("untimed-1", "cancelled", 0);
    cancelled["event"]["messageStatusUpdate"][0]
        .as_object_mut()
        .unwrap()
        .remove("timestamp");
    r.post_json(ONE_API_STATUS, &undelivered).await.assert_ack();
    r.post_json(ONE_API_STATUS, &cancelled).await.assert_ack();
    let (mut undelivered2, mut cancelled2) = (undelivered.clone(), cancelled.clone());
    undelivered2["event"]["messageStatusUpdate"][0]["messageId"] = json!("untimed-2");
    cancelled2["event"]["messageStatusUpdate"][0]["messageId"] = json!("untimed-2");
    r.post_json(ONE_API_STATUS, &cancelled2).await.assert_ack();
    r.post_json(ONE_API_STATUS, &undelivered2).await.assert_ack();
    for id in ["untimed-1", "untimed-2"] {
        assert_eq!(state(&r, id).await, ("undelivered".to_string(), json!(T0 + 5)), "{id}");
    }
}

#[tokio::test]
async fn status_at_is_the_earliest_time_of_the_current_status() {
    let r = TestReceiver::start().await;
    send_all(
        &r,
        "at-1",
        &[("delivered", T0 + 5), ("delivered", T0 + 3), ("sent", T0 + 1)],
    )
    .await;
    send_all(
        &r,
        "at-2",
        &[("sent", T0 + 1), ("delivered", T0 + 3), ("delivered", T0 + 5)],
    )
    .await;
    for id in ["at-1", "at-2"] {
        assert_eq!(state(&r, id).await, ("delivered".to_string(), json!(T0 + 3)), "{id}");
    }
}

#[tokio::test]
async fn clearline_failures_without_times_follow_the_fixed_order_whatever_the_arrival() {
    let r = TestReceiver::start().await;
    let failures = [
        ("Failed", "undelivered"),
        ("Expired", "expired"),
        ("Rejected", "rejected"),
    ];
    for (i, order) in permutations(failures.len()).iter().enumerate() {
        for &k in order {
            let body = json!({"messageId": format!("cl-{i}"), "deliveryStatus": "DeliveredFailed",
                              "externalDeliveryStatus": failures[k].0});
            r.post_json(CLEARLINE_STATUS, &body).await.assert_ack();
        }
    }
    for i in 0..6 {
        let view = r.message("clearline", &format!("cl-{i}")).await;
        // rejected < undelivered < expired < cancelled
        assert_eq!(
            (&view["status"], &view["status_at"]),
            (&json!("expired"), &Value::Null),
            "{view}"
        );
    }
    for (id, order) in [("cl-d1", ["Delivered", "Failed"]), ("cl-d2", ["Failed", "Delivered"])] {
        for external in order {
            let body = json!({"messageId": id, "deliveryStatus": "x", "externalDeliveryStatus": external});
            r.post_json(CLEARLINE_STATUS, &body).await.assert_ack();
        }
        assert_eq!(r.message("clearline", id).await["status"], "delivered", "{id}");
    }
}

/// The contract's rules, written independently of the store's precedence
/// key: read, else delivered, else the failure with the latest time (ties:
/// rejected < undelivered < expired < cancelled), else the highest rank;
/// `status_at` the earliest time among the events with that status.
fn expected_state(events: &BTreeSet<(usize, i64)>) -> (&'static str, i64) {
    let status_of = |k: usize| ONE_API[k].2;
    let with = |s: &'static str| events.iter().filter(move |(k, _)| status_of(*k) == s);
    let failure_order = ["rejected", "undelivered", "expired", "cancelled"];
    let status = if with("read").next().is_some() {
        "read"
    } else if with("delivered").next().is_some() {
        "delivered"
    } else if let Some(&(k, _)) = events
        .iter()
        .filter(|(k, _)| failure_order.contains(&status_of(*k)))
        .max_by_key(|(k, t)| (*t, failure_order.iter().position(|f| *f == status_of(*k))))
    {
        status_of(k)
    } else {
        ["buffered", "sent", "accepted", "unknown"]
            .into_iter()
            .find(|s| with(s).next().is_some())
            .expect("at least one event")
    };
    let status_at = with(status).map(|(_, t)| *t).min().unwrap();
    (status, status_at)
}

/// Any set of One API events, sent in any order with retries mixed in, ends
/// in the state the contract's rules give.
#[test]
fn any_arrival_order_ends_in_the_state_the_rules_give() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let r = runtime.block_on(TestReceiver::start());
    let event = (0..ONE_API.len(), 0i64..4);
    let case = prop::collection::vec(event, 1..7)
        .prop_flat_map(|events| {
            let n = events.len();
            (Just(events), prop::collection::vec(0..n, 0..3))
        })
        .prop_flat_map(|(events, retries)| {
            let mut sends = events.clone();
            sends.extend(retries.iter().map(|&i| events[i]));
            (Just(events), Just(sends).prop_shuffle())
        });
    // PROPTEST_CASES=1000 for a longer search.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let config = ProptestConfig {
        cases,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let next_id = AtomicUsize::new(0);
    TestRunner::new(config)
        .run(&case, |(events, sends)| {
            let id = format!("prop-{}", next_id.fetch_add(1, Ordering::Relaxed));
            let view = runtime.block_on(async {
                for &(k, dt) in &sends {
                    let (code, name, _) = ONE_API[k];
                    r.post_json(ONE_API_STATUS, &one_api_status(&id, code, name, T0 + dt))
                        .await
                        .assert_ack();
                }
                r.message("clickatell", &id).await
            });
            let distinct: BTreeSet<(usize, i64)> = events.iter().map(|&(k, dt)| (k, T0 + dt)).collect();
            let (status, status_at) = expected_state(&distinct);
            prop_assert_eq!(&view["status"], &json!(status), "sent {:?}: {}", sends, view);
            prop_assert_eq!(&view["status_at"], &json!(status_at), "sent {:?}: {}", sends, view);
            let times: Vec<i64> = view["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["occurred_at"].as_i64().unwrap())
                .collect();
            prop_assert_eq!(times.len(), distinct.len(), "one event per distinct event: {}", view);
            prop_assert!(times.windows(2).all(|w| w[0] <= w[1]), "provider-time order: {}", view);
            Ok(())
        })
        .unwrap();
}
