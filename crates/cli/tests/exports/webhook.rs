//! Webhook exports against receivers that fail: one answers 500 to a
//! third of the deliveries and lets some run past the export's timeout;
//! every event still arrives, signed (checked here with an HMAC of our
//! own), its `webhook-id` the same on every retry. Another always answers
//! 500: after the last retry its events are dead letters (the console's
//! Exports page lists them), and a replay (through the CLI) delivers them
//! once it answers again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use smsgate_test_support::console;
use smsgate_test_support::load::Target;
use smsgate_test_support::provider_peer::{Peer, Reply, Seen};
use smsgate_test_support::secrets::API_TOKEN;
use smsgate_test_support::serve::Served;

use crate::harness::*;

/// Messages, two events each.
const MESSAGES: usize = 60;

/// A webhook answer: 500 to every third request, no answer within the
/// export's timeout to some others, 204 to the rest.
fn flaky(_seen: &Seen, before: usize) -> Reply {
    if before % 3 == 1 {
        Reply::json(500, json!({"error": "try again"}))
    } else if before % 11 == 5 {
        Reply::json(200, json!({})).after(Duration::from_millis(1_500))
    } else {
        Reply::json(204, json!({}))
    }
}

/// The deliveries `peer` answered with a 2xx, by `webhook-id`. A reply
/// that came after the export's timeout does not count: the export gave up.
fn delivered(peer: &Peer) -> HashMap<String, Vec<Seen>> {
    let mut by_id: HashMap<String, Vec<Seen>> = HashMap::new();
    for (before, seen) in peer.requests().into_iter().enumerate() {
        let answer = flaky(&seen, before);
        if answer.status < 300 && answer.delay.is_zero() {
            by_id
                .entry(seen.header("webhook-id").unwrap().to_string())
                .or_default()
                .push(seen);
        }
    }
    by_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_once_retried_and_dead_letters_replay() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let flaky_peer = Peer::start(|seen, state| flaky(seen, state.requests.len())).await;
    let failing = Arc::new(AtomicBool::new(true));
    let doomed_peer = Peer::start({
        let failing = failing.clone();
        move |_, _| {
            let status = if failing.load(Ordering::SeqCst) { 500 } else { 200 };
            Reply::json(status, json!({}))
        }
    })
    .await;
    let retries = "timeout_ms = 300\nretry_schedule_ms = [20, 40, 80, 100, 100, 100, 100, 100, 100, 100]";
    let exports = webhook_export("hook", &flaky_peer.url(), retries)
        + &webhook_export(
            "doomed",
            &doomed_peer.url(),
            "retry_schedule_ms = [10, 20]\nkinds = [\"status\"]\nproviders = [\"smarthive\"]",
        );
    let config = config(dir.path(), &exports);
    let served = Served::start_async(serve(dir.path(), &database, &config)).await;
    let api = Api::new(&served.api_base);
    send_all(&Target::new(&served.callback_base), &callbacks("hook", MESSAGES), 8).await;
    let feed = api.feed().await;
    assert_eq!(feed.len(), MESSAGES * 2);
    let ids: HashSet<String> = feed.iter().map(event_id).collect();

    wait_until(
        "delivered every event to the flaky receiver",
        async || delivered(&flaky_peer).len() == ids.len(),
        async || {
            format!(
                "{} of {}; {}",
                delivered(&flaky_peer).len(),
                ids.len(),
                api.export("hook").await
            )
        },
    )
    .await;
    let requests = flaky_peer.requests();
    assert!(requests.iter().all(signature_valid), "a signature did not verify");
    let delivered = delivered(&flaky_peer);
    assert_eq!(delivered.keys().cloned().collect::<HashSet<_>>(), ids);
    assert!(
        requests.len() > ids.len() + ids.len() / 3,
        "so few retries: {}",
        requests.len()
    );
    // Every try of an event: the same id, the same event.
    let by_cursor: HashMap<&str, &Value> = feed.iter().map(|e| (e["cursor"].as_str().unwrap(), e)).collect();
    for seen in &requests {
        let id = seen.header("webhook-id").unwrap();
        let data = &seen.body["data"];
        assert_eq!(id, format!("evt_{}", data["cursor"].as_str().unwrap()));
        assert_eq!(data, by_cursor[data["cursor"].as_str().unwrap()], "{id}");
        assert_eq!(seen.body["type"], "message.status");
        assert_eq!(seen.header("content-type"), Some("application/json"));
    }
    let hook = api.export("hook").await;
    assert_eq!(
        (hook["kind"].as_str(), hook["lag"].as_i64()),
        (Some("webhook"), Some(0)),
        "{hook}"
    );
    assert!(
        api.get("/v1/exports/hook/dead-letters").await["dead_letters"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The always-failing receiver: each of its events tried three times, then a dead letter.
    let smarthive = feed.iter().filter(|e| e["provider"] == "smarthive").count();
    assert!(smarthive > 0);
    let dead_letters = async || api.get("/v1/exports/doomed/dead-letters").await["dead_letters"].clone();
    wait_until(
        "dead-lettered every event of the failing receiver",
        async || dead_letters().await.as_array().unwrap().len() == smarthive,
        async || format!("{}", dead_letters().await),
    )
    .await;
    let dead = dead_letters().await;
    for letter in dead.as_array().unwrap() {
        assert_eq!(letter["attempts"], 3, "{letter}");
        assert_eq!(letter["error"], "answered 500 Internal Server Error", "{letter}");
        assert_eq!(letter["id"].as_str().unwrap(), event_id(&letter["event"]));
    }
    assert_eq!(doomed_peer.requests().len(), smarthive * 3);
    let shown = cli(&["exports", "dead-letters", "doomed", "--json"], &served.api_base);
    assert_eq!(shown["dead_letters"], dead);
    let listed = cli(&["exports", "list", "--json"], &served.api_base);
    assert_eq!(listed["exports"][1]["state"], "failing", "{listed}");
    // The console shows the same: the state, and each dead letter.
    let browser = console::http();
    let cookie = console::sign_in(&browser, &served.api_base).await;
    let (status, page) = console::get_page(&browser, &served.api_base, "/ui/exports", &cookie).await;
    assert_eq!(status, 200);
    let doomed_row = format!(r#"data-name="doomed" data-lag="0" data-dead-letters="{smarthive}""#);
    assert!(page.contains(&doomed_row), "{page}");
    for letter in dead.as_array().unwrap() {
        assert!(
            page.contains(&format!(r#"data-id="{}""#, letter["id"].as_str().unwrap())),
            "{letter}"
        );
    }

    // The receiver is back: a replay of everything delivers the dead letters.
    failing.store(false, Ordering::SeqCst);
    let before = doomed_peer.requests().len();
    let output = std::process::Command::new(BIN)
        .args(["exports", "replay", "doomed", "--server", &served.api_base])
        .env("SMSGATE_API_TOKEN", API_TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("queued for export doomed"));
    wait_until(
        "emptied the dead letters by a replay",
        async || dead_letters().await.as_array().unwrap().is_empty(),
        async || format!("{}", dead_letters().await),
    )
    .await;
    let replayed: HashSet<String> = doomed_peer.requests()[before..]
        .iter()
        .map(|seen| seen.header("webhook-id").unwrap().to_string())
        .collect();
    let expected: HashSet<String> = dead
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(replayed, expected);
    assert!(doomed_peer.requests().iter().all(signature_valid));
    let (status, answer) = api
        .post("/v1/exports/doomed/replay", &json!({"since": 2, "until": 1}))
        .await;
    assert_eq!(status, 400, "{answer}");
    let (status, _) = api.post("/v1/exports/nope/replay", &json!({})).await;
    assert_eq!(status, 404);
    let metrics = reqwest::get(format!("{}/metrics", served.api_base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "smsgate_export_dead_letters_total{{export=\"doomed\"}} {smarthive}"
        )),
        "{metrics}"
    );
    assert!(metrics.contains("smsgate_export_lag{export=\"hook\"} 0"), "{metrics}");
    assert!(
        metrics.contains("smsgate_export_failures_total{export=\"hook\"}"),
        "{metrics}"
    );
}

/// `smsgate ARGS --server BASE` with the API token: its JSON output.
fn cli(args: &[&str], base: &str) -> Value {
    let output = std::process::Command::new(BIN)
        .args(args)
        .args(["--server", base])
        .env("SMSGATE_API_TOKEN", API_TOKEN)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
