//! End to end, as the README's quickstart runs it, with the simulator's
//! hostile knobs on: `smsgate serve`, `smsgate simulate` calling it back
//! (duplicates, reordering, delays, send requests failing 503), and
//! `smsgate send` through every provider-role route (a Clickatell CSV in
//! bulk batches, Clickatell's HTTP GET, ClearLine) recording submissions in
//! the receiver's store. It then waits until the simulator has delivered
//! every callback and checks, in the query API, that each message:
//! - starts at its submission (`accepted`, raw status `submitted`);
//! - ends in the status the simulator played as its outcome;
//! - holds each status the simulator sent exactly once, however often and in
//!   whatever order it was sent;
//! - never received a status before its provider time;
//!
//! and that the `/v1/events` feed carries every one of those events once.
//! SQLite always; PostgreSQL too when SMSGATE_TEST_POSTGRES_URL is set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use smsgate_receiver_api::views::{EventsPage, FeedEvent, MessageView};
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};
use smsgate_test_support::serve::{Served, serve_with_test_secrets};
use smsgate_test_support::simulator::Simulator;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_smsgate");
const API_KEY: &str = "e2e-simulator-key";
/// Rows of the Clickatell CSV: with `--bulk-size 7`, three bulk requests.
const CSV_ROWS: usize = 17;
/// How long the whole exchange may take on a busy 2-core machine.
const SETTLE: Duration = Duration::from_secs(180);

#[tokio::test]
async fn send_to_the_hostile_simulator_and_every_message_reaches_its_final_status_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}

#[tokio::test]
async fn send_to_the_hostile_simulator_and_every_message_reaches_its_final_status_once_on_postgres() {
    let Some(url) = postgres_url("the end-to-end run on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url)).await;
}

async fn run(dir: &Path, database: &str) {
    let served = Served::start_async(serve_with_test_secrets(BIN.as_ref(), dir, database, &[])).await;
    let simulator = simulate(&served.callback_base, dir).await;
    let simulator_base = simulator.base.clone();

    let mut sent = send_csv(dir, &simulator_base, database).await;
    let clearline_callback = format!(
        "{}/client-callback/clearline-status?token={CALLBACK_SECRET}",
        served.callback_base
    );
    let with_callback = ["--callback-url", clearline_callback.as_str()];
    for (provider, to, extra) in [
        ("clickatell-http", "+27820000101", &[][..]),
        ("clickatell-http", "+27820000102", &[][..]),
        ("clearline", "+15550000103", &with_callback[..]),
        ("clearline", "+15550000104", &with_callback[..]),
    ] {
        let mut args = vec!["--provider", provider, "--to", to, "--text", "hello from the e2e test"];
        args.extend_from_slice(extra);
        let one = send(&args, &simulator_base, database).await;
        sent.messages.extend(one.messages);
        sent.retries += one.retries;
    }
    let Sent {
        messages: sent,
        retries,
    } = sent;
    assert_eq!(sent.len(), CSV_ROWS + 4, "every message was accepted: {sent:?}");
    assert!(retries > 0, "--fail-rate 0.3 made no send request fail");

    let played = wait_until_every_callback_is_delivered(&simulator_base, sent.len()).await;
    let duplicates = played
        .iter()
        .flat_map(|m| m["callbacks"].as_array().unwrap())
        .filter(|c| c["duplicate"] == true)
        .count();
    assert!(duplicates > 0, "--duplicate-rate 0.5 sent no callback twice");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut expected_feed: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (provider, message_id) in &sent {
        let simulated = played
            .iter()
            .find(|m| m["provider"] == provider.as_str() && m["message_id"] == message_id.as_str())
            .unwrap_or_else(|| panic!("the simulator knows {provider} {message_id}"));
        let message = get_message(&http, &served.api_base, provider, message_id).await;

        let first = message.events.first().expect("at least the submission");
        assert_eq!(
            (serde_json::to_value(first.status).unwrap(), first.raw_status.as_deref()),
            (Value::from("accepted"), Some("submitted")),
            "{provider} {message_id} starts at its submission: {message:?}"
        );
        assert_eq!(
            serde_json::to_value(message.status).unwrap(),
            simulated["outcome"],
            "{provider} {message_id} ends in the simulator's outcome: {message:?}"
        );
        let callbacks: Vec<&str> = simulated["callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["duplicate"] == false)
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        let mut stored: Vec<&str> = message.events[1..]
            .iter()
            .map(|e| e.raw_status.as_deref().unwrap_or_default())
            .collect();
        let mut played_statuses = callbacks.clone();
        stored.sort_unstable();
        played_statuses.sort_unstable();
        assert_eq!(
            stored, played_statuses,
            "{provider} {message_id}: each played status stored once, duplicates dropped"
        );
        let ahead: Vec<_> = message
            .events
            .iter()
            .filter(|e| e.occurred_at.is_some_and(|at| at > e.received_at))
            .collect();
        assert!(
            ahead.is_empty(),
            "{provider} {message_id}: provider time after receipt: {ahead:?}"
        );
        expected_feed.insert((provider.clone(), message_id.clone()), message.events.len());
    }

    let feed = read_feed(&http, &served.api_base).await;
    let mut cursors = BTreeSet::new();
    let mut counted: BTreeMap<(String, String), usize> = BTreeMap::new();
    for event in &feed {
        assert!(
            cursors.insert(event.cursor().to_string()),
            "a cursor repeats in the feed"
        );
        if let FeedEvent::Status(event) = event {
            let provider = serde_json::to_value(event.provider).unwrap();
            *counted
                .entry((provider.as_str().unwrap().to_string(), event.message_id.clone()))
                .or_default() += 1;
        }
    }
    assert_eq!(counted, expected_feed, "the feed carries every stored event once");
    served.kill9();
}

/// Starts `smsgate simulate` with every hostile knob on, calling back
/// `callback_base`: duplicates, reordering, delays, and 503s to a third of
/// the send requests, with a fixed seed.
async fn simulate(callback_base: &str, dir: &Path) -> Simulator {
    let knobs = [
        "--duplicate-rate",
        "0.5",
        "--reorder",
        "--delay-ms",
        "50",
        "--fail-rate",
        "0.3",
        "--seed",
        "1124",
    ];
    Simulator::start(
        BIN.as_ref(),
        callback_base,
        CALLBACK_SECRET,
        API_KEY,
        &knobs,
        &dir.join("simulate.log"),
    )
    .await
}

/// `smsgate send --provider clickatell --csv ...` in bulk batches.
async fn send_csv(dir: &Path, simulator: &str, database: &str) -> Sent {
    let csv = dir.join("campaign.csv");
    let mut text = String::from("to,text,client_message_id\n");
    for row in 0..CSV_ROWS {
        text.push_str(&format!("+2782{row:07},Campaign message {row},e2e-{row}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let csv = csv.display().to_string();
    send(
        &["--provider", "clickatell", "--csv", &csv, "--bulk-size", "7"],
        simulator,
        database,
    )
    .await
}

/// What runs of `smsgate send` printed.
#[derive(Default)]
struct Sent {
    /// `(provider, message_id)` of each accepted message.
    messages: Vec<(String, String)>,
    /// How many requests were tried again (`retrying in ...` on stderr).
    retries: usize,
}

/// Runs `smsgate send ARGS --base-url SIMULATOR --database DATABASE --json`.
async fn send(args: &[&str], simulator: &str, database: &str) -> Sent {
    let output = Command::new(BIN)
        .arg("send")
        .args(args)
        .args([
            "--base-url",
            simulator,
            "--database",
            database,
            "--json",
            "--max-attempts",
            "10",
            "--timeout",
            "20",
        ])
        .env("SMSGATE_CLICKATELL_API_KEY", API_KEY)
        .env("SMSGATE_CLEARLINE_API_KEY", API_KEY)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("smsgate send runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "smsgate send {args:?} failed:\n{stdout}\n{stderr}"
    );
    let messages = stdout
        .lines()
        .map(|line| {
            let printed: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("`{line}`: {e}"));
            (
                printed["provider"].as_str().unwrap().to_string(),
                printed["message_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let retries = stderr.matches("retrying in ").count();
    Sent { messages, retries }
}

/// Polls `GET /simulator/messages` until it lists `count` messages and none
/// has a callback still pending; every callback must have been delivered
/// (acknowledged 2xx) by then.
async fn wait_until_every_callback_is_delivered(simulator: &str, count: usize) -> Vec<Value> {
    let url = format!("{simulator}/simulator/messages");
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let listing: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        let messages = listing["messages"].as_array().unwrap().clone();
        let callbacks = || messages.iter().flat_map(|m| m["callbacks"].as_array().unwrap());
        if messages.len() == count && callbacks().all(|c| c["state"] != "pending") {
            let undelivered: Vec<&Value> = callbacks().filter(|c| c["state"] != "delivered").collect();
            assert!(undelivered.is_empty(), "callbacks not acknowledged: {undelivered:?}");
            return messages;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "callbacks still pending after {SETTLE:?}: {listing}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn get_message(http: &reqwest::Client, api: &str, provider: &str, message_id: &str) -> MessageView {
    let response = http
        .get(format!("{api}/v1/messages/{provider}/{message_id}"))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{provider} {message_id}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// Every event of `/v1/events`, page after page.
async fn read_feed(http: &reqwest::Client, api: &str) -> Vec<FeedEvent> {
    let mut events = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut request = http.get(format!("{api}/v1/events")).bearer_auth(API_TOKEN);
        if let Some(cursor) = &after {
            request = request.query(&[("after", cursor)]);
        }
        let page: EventsPage = request.send().await.unwrap().json().await.unwrap();
        if page.events.is_empty() {
            return events;
        }
        after = Some(page.next_cursor);
        events.extend(page.events);
    }
}
