//! `smsgate simulate` as a child process, one per provider a test plays
//! (each with its own knobs and port), killed when dropped, and its control
//! endpoints: the messages it accepted, the send requests it refused, and
//! outages.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `smsgate simulate`.
pub struct Simulator {
    _child: Child,
    /// `http://ADDR` of its send APIs and control endpoints.
    pub base: String,
}

impl Simulator {
    /// Starts `BIN simulate` on a free port, calling `callback_base` back
    /// with `callback_token`, taking `api_key`, retrying callbacks after
    /// 20 ms (then doubling), with `knobs` (e.g. `--fail-rate 1`), logging
    /// to `log`.
    pub async fn start(
        bin: &Path,
        callback_base: &str,
        callback_token: &str,
        api_key: &str,
        knobs: &[&str],
        log: &Path,
    ) -> Simulator {
        let mut child = Command::new(bin)
            .args(["simulate", "--listen", "127.0.0.1:0", "--callback-base", callback_base])
            .args([
                "--callback-token",
                callback_token,
                "--api-key",
                api_key,
                "--retry-base-ms",
                "20",
            ])
            .args(knobs)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("a log file for the simulator"))
            .kill_on_drop(true)
            .spawn()
            .expect("smsgate simulate starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the simulator prints where it listens")
            .expect("its stdout reads")
            .expect("a first line");
        // "smsgate simulator on URL, calling back ..."
        let base = first
            .split_whitespace()
            .nth(3)
            .and_then(|url| url.strip_suffix(','))
            .unwrap_or_else(|| panic!("no URL in `{first}`"))
            .to_string();
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Simulator { _child: child, base }
    }

    /// `GET /simulator/messages`: the accepted messages and the counts of
    /// refused and throttled requests.
    pub async fn control_view(&self) -> Value {
        reqwest::get(format!("{}/simulator/messages", self.base))
            .await
            .expect("the simulator answers")
            .json()
            .await
            .expect("its ledger is JSON")
    }

    /// The messages it accepted, in order.
    pub async fn accepted(&self) -> Vec<Value> {
        self.control_view().await["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// How many times each recipient's message was accepted.
    pub async fn accepted_per_recipient(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for message in self.accepted().await {
            let to = message["to"].as_str().expect("a recipient").to_string();
            *counts.entry(to).or_insert(0) += 1;
        }
        counts
    }

    /// Send requests it answered 503 (`--fail-rate`, outages).
    pub async fn refused(&self) -> u64 {
        self.control_view().await["refused"].as_u64().expect("a count")
    }

    /// `POST /simulator/{what}` with `body`; it must succeed.
    pub async fn control(&self, what: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}/simulator/{what}", self.base))
            .json(&body)
            .send()
            .await
            .expect("the simulator answers");
        assert!(response.status().is_success(), "{what}: {}", response.status());
        response.json().await.expect("a JSON answer")
    }
}
