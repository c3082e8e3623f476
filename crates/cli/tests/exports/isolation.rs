//! An export whose receiver never answers holds up nothing else: callbacks
//! are acknowledged about as fast as by a serve without exports (measured
//! in the same run: a ratio, not a time), the other export delivers every
//! event meanwhile, and the query API answers.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::json;
use smsgate_test_support::load::Target;
use smsgate_test_support::provider_peer::{Peer, Reply};
use smsgate_test_support::serve::{Served, serve_with_test_secrets};

use crate::harness::*;

/// Messages per round, two callbacks each.
const MESSAGES: usize = 200;
/// Rounds per serve, taken in turn.
const ROUNDS: usize = 2;
const WORKERS: usize = 8;
/// How much slower acknowledgements may be with the exports running: they
/// share the machine's two cores with the callbacks and the test itself.
const MOST_SLOWDOWN: f64 = 2.0;

/// How long `serve` takes to acknowledge every callback of `prefix`.
async fn acknowledging(served: &Served, prefix: &str) -> Duration {
    let callbacks = callbacks(prefix, MESSAGES);
    let started = Instant::now();
    send_all(&Target::new(&served.callback_base), &callbacks, WORKERS).await;
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_delays_neither_callbacks_nor_the_other_export() {
    let _serial = serial().await;
    let plain_dir = tempfile::tempdir().unwrap();
    let plain_database = format!("sqlite:{}", plain_dir.path().join("smsgate.db").display());
    let plain = Served::start_async(serve_with_test_secrets(
        BIN.as_ref(),
        plain_dir.path(),
        &plain_database,
        &[],
    ))
    .await;
    let silent = Peer::start(|_, _| Reply::json(200, json!({})).after(Duration::from_secs(3_600))).await;
    let live = Peer::start(|_, _| Reply::json(204, json!({}))).await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let config = config(
        dir.path(),
        &(webhook_export("silent", &silent.url(), "timeout_ms = 600000") + &webhook_export("live", &live.url(), "")),
    );
    let served = Served::start_async(serve(dir.path(), &database, &config)).await;
    let api = Api::new(&served.api_base);
    // Rounds in turn, so that the machine's other work weighs on both alike;
    // each plain round once the live export has caught up, so that it
    // takes nothing from it.
    let (mut without_exports, mut with_exports) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        without_exports += acknowledging(&plain, &format!("plain{round}")).await;
        with_exports += acknowledging(&served, &format!("exported{round}")).await;
        wait_until(
            "caught up with the live export",
            async || api.export("live").await["lag"] == 0,
            async || format!("{}", api.export("live").await),
        )
        .await;
    }
    plain.kill9();
    let ratio = with_exports.as_secs_f64() / without_exports.as_secs_f64();
    println!(
        "acknowledging {} callbacks: {without_exports:?} without exports, {with_exports:?} with them ({ratio:.2}x)",
        MESSAGES * 2 * ROUNDS
    );
    assert!(
        ratio < MOST_SLOWDOWN,
        "{without_exports:?} without exports, {with_exports:?} with a silent receiver: {ratio:.2}x"
    );

    let feed = api.feed().await;
    assert_eq!(feed.len(), MESSAGES * 2 * ROUNDS);
    let delivered = || {
        live.requests()
            .iter()
            .map(|seen| seen.header("webhook-id").unwrap().to_string())
            .collect::<HashSet<_>>()
    };
    wait_until(
        "delivered every event through the other export",
        async || delivered().len() == feed.len(),
        async || format!("{} of {}: {}", delivered().len(), feed.len(), api.export("live").await),
    )
    .await;
    assert_eq!(delivered(), feed.iter().map(event_id).collect::<HashSet<_>>());
    let stuck = api.export("silent").await;
    assert_eq!(stuck["lag"], feed.len(), "{stuck}");
    assert_eq!(stuck["state"], "running", "{stuck}");
    assert!(!silent.requests().is_empty(), "the silent receiver was never called");
    let live_view = api.export("live").await;
    assert_eq!(
        (live_view["lag"].as_i64(), live_view["cursor"].clone()),
        (Some(0), feed.last().unwrap()["cursor"].clone())
    );
}
