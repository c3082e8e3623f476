//! The circuit breaker: the primary goes down mid-run and comes back.
//! While it is down, messages go to the backup without each one trying the
//! primary first (counted by the primary's refused requests); once it is
//! back, a probe closes the breaker and traffic returns to it.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, SETTLE, attempts, config, serve_sending, simulator};

/// Sent while the primary is down, one after the other.
const DURING: usize = 30;
const FAILURES_TO_OPEN: u64 = 3;
const COOL_DOWN: Duration = Duration::from_secs(2);

async fn run(dir: &Path, database: &str) {
    let callbacks = Relay::start(Answers::Forward).await;
    let primary = simulator(&callbacks.base, &[], &dir.join("primary.log")).await;
    let backup = simulator(&callbacks.base, &[], &dir.join("backup.log")).await;
    let config = config(
        dir,
        &[
            ("primary", "clickatell", &primary.base),
            ("backup", "clearline", &backup.base),
        ],
        &format!(
            "max_attempts = 1\nbreaker_failures = {FAILURES_TO_OPEN}\nbreaker_cool_down_seconds = {}",
            COOL_DOWN.as_secs()
        ),
        "[[routes]]\nname = \"za\"\nprefixes = [\"+27\"]\nproviders = [\"primary\", \"backup\"]\n",
    );
    let served = Served::start_async(serve_sending(dir, database, &config)).await;
    callbacks.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);
    let mut number = 0;
    let mut send = async |api: &Api| {
        number += 1;
        let id = api.send_ok(&format!("+2782{number:07}"), "breaker").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        api.wait_for(&[id], "an accepting provider", |v| v["status"] != "queued")
            .await
            .remove(0)
    };

    // Up: the primary takes them.
    for _ in 0..3 {
        assert_eq!(attempts(&send(&api).await), ["primary:accepted"]);
    }
    // Down: after a few failures the breaker opens and the backup takes
    // them at once.
    primary.control("outage", json!({"seconds": 600})).await;
    let down_since = Instant::now();
    let mut straight_to_backup = 0;
    for _ in 0..DURING {
        let view = send(&api).await;
        let tried = attempts(&view);
        assert_eq!(tried.last().map(String::as_str), Some("backup:accepted"), "{view:#}");
        straight_to_backup += usize::from(tried.len() == 1);
    }
    let down_for = down_since.elapsed();
    let refused = primary.refused().await;
    // The failures that opened it, then at most one probe per cool-down.
    let probes = down_for.as_secs_f64() / COOL_DOWN.as_secs_f64() + 1.0;
    assert!(
        (refused as f64) <= FAILURES_TO_OPEN as f64 + probes,
        "{refused} requests reached the primary while it was down for {down_for:?}"
    );
    assert!(straight_to_backup >= DURING - refused as usize, "{straight_to_backup}");
    let providers = api.get_json("/v1/providers").await;
    assert_eq!(providers["providers"][1]["name"], "primary", "{providers}");
    assert!(
        matches!(
            providers["providers"][1]["breaker"].as_str(),
            Some("open" | "half_open")
        ),
        "{providers}"
    );
    // Back: after the cool-down a probe closes the breaker.
    primary.control("outage", json!({"seconds": 0})).await;
    tokio::time::sleep(COOL_DOWN).await;
    let deadline = Instant::now() + SETTLE;
    loop {
        let tried = attempts(&send(&api).await);
        if tried == ["primary:accepted"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "traffic never went back to the primary: {tried:?}"
        );
    }
    for _ in 0..3 {
        assert_eq!(attempts(&send(&api).await), ["primary:accepted"]);
    }
    let providers = api.get_json("/v1/providers").await;
    assert_eq!(providers["providers"][1]["breaker"], "closed", "{providers}");
    let metrics = reqwest::get(format!("{}/metrics", served.api_base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"smsgate_provider_breaker{provider="primary",state="closed"} 1"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_while_the_primary_is_down_and_closes_when_it_is_back_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_while_the_primary_is_down_and_closes_when_it_is_back_on_postgres() {
    let Some(url) = postgres_url("the breaker on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url)).await;
}
