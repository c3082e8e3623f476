//! Pacing by segments: 1,000 messages, a third of them in two parts and
//! some in UCS-2, through a provider paced at 20 segments a second whose
//! simulator throttles (429) above 20 in any second: none is throttled
//! after the first (if any), the rate measured from the submissions is
//! within 10% of 20, and each message goes once. The same with two
//! replicas on PostgreSQL sharing the rate. (They arrive faster than 20
//! segments a second, so the pacing, not the arrivals, sets the rate;
//! about 70 seconds each, and the two run side by side.)

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, config, is_final, send_concurrently, serve_sending, simulator};

const MESSAGES: usize = 1_000;
const RATE: f64 = 20.0;
const SENDERS: usize = 8;

/// Message `n`'s text: every third in two parts, every tenth in UCS-2.
fn text(n: usize) -> String {
    match n {
        n if n % 3 == 0 => "a".repeat(161 + n % 145),
        n if n % 10 == 1 => "Привет, это сообщение".into(),
        _ => format!("message {n}"),
    }
}

async fn run(dir: &Path, database: &str, replicas: usize) {
    let callbacks = Relay::start(Answers::Forward).await;
    let provider = simulator(&callbacks.base, &["--throttle", "20"], &dir.join("provider.log")).await;
    let config = config(
        dir,
        &[("paced", "clearline", &provider.base)],
        &format!("rate = {RATE}"),
        "[[routes]]\nname = \"all\"\nproviders = [\"paced\"]\n",
    );
    let mut served = Vec::new();
    for _ in 0..replicas {
        served.push(Served::start_async(serve_sending(dir, database, &config)).await);
    }
    callbacks.point_at(&served[0].callback_base);
    // Every replica has heard of the others.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let apis: Vec<Api> = served.iter().map(|s| Api::new(&s.api_base)).collect();
    let ids = send_concurrently(&apis, MESSAGES, SENDERS, text).await;
    let views = apis[0].wait_for(&ids, "a final status", is_final).await;
    let ledger = provider.control_view().await;
    // A jittery machine may push one request over the limit; the 429 then
    // pauses the provider, and none follows.
    let throttled = ledger["throttled"].as_u64().unwrap();
    assert!(throttled <= 1, "{throttled} requests went over the provider's limit");
    let counts = provider.accepted_per_recipient().await;
    assert_eq!(counts.len(), MESSAGES);
    assert!(counts.values().all(|&n| n == 1), "each once");
    let rate = measured_rate(&views);
    eprintln!("pacing, {replicas} replica(s): {rate:.1} segments a second (rate {RATE})");
    assert!(
        (rate - RATE).abs() <= RATE * 0.1,
        "{rate:.1} segments a second, paced at {RATE}"
    );
}

/// Segments per second from the first submission to the last.
fn measured_rate(views: &[Value]) -> f64 {
    let mut submitted: Vec<(i64, u64)> = views
        .iter()
        .map(|v| {
            (
                v["attempts"][0]["submitted_at"].as_i64().unwrap(),
                v["segments"].as_u64().unwrap(),
            )
        })
        .collect();
    submitted.sort();
    let segments: u64 = submitted.iter().map(|(_, s)| s).sum();
    let span = (submitted.last().unwrap().0 - submitted[0].0) as f64 / 1000.0;
    // The last message's segments go after the span.
    (segments - submitted.last().unwrap().1) as f64 / span
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_gets_its_rate_in_segments_and_is_never_throttled_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_a_providers_rate_on_postgres() {
    let Some(url) = postgres_url("pacing with two replicas on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url), 2).await;
}
