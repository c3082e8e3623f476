//! The deployment the console's tour looks at: `smsgate serve` with two
//! routes, the simulator playing Clickatell and ClearLine (statuses with
//! their played delays), a provider that refuses connections (so one
//! route fails over), a quarantined request waiting for replay, messages
//! sent through `POST /v1/outbound` until each has its final status, and
//! an inbound reply.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use smsgate_test_support::relay::{Answers, Relay};
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};
use smsgate_test_support::serve::{Served, serve_with_test_secrets};
use smsgate_test_support::simulator::Simulator;
use tempfile::TempDir;

use crate::harness::{BIN, database_with_quarantine};

const PROVIDER_KEY: &str = "console-test-provider-key";
const KEY_ENV: &str = "SMSGATE_TEST_PROVIDER_KEY";
/// Recipients through the `za` route (the simulator's Clickatell).
pub const ZA: [&str; 6] = [
    "+27820000001",
    "+27820000002",
    "+27820000003",
    "+27820000004",
    "+27820000005",
    "+27820000006",
];
/// Recipients through the `us` route: its first provider refuses
/// connections, so each fails over to the simulator's ClearLine.
pub const US: [&str; 2] = ["+15550000001", "+15550000002"];
/// Clickatell's delivery is played 4 s after acceptance (crates/simulator).
pub const CLICKATELL_DELIVERY_MS: i64 = 4_000;
/// Long enough for a debug build on a busy machine (an undelivered
/// Clickatell message ends 9 s after acceptance).
const SETTLE: Duration = Duration::from_secs(60);

pub struct Deployment {
    pub served: Served,
    pub simulator: Simulator,
    /// The outbound messages sent, by recipient.
    pub sent: Vec<(String, Value)>,
    /// When the first message was sent (ms since the epoch).
    pub started_at: i64,
    _relay: Relay,
    _dir: TempDir,
}

pub async fn deploy() -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    let database = database_with_quarantine(dir.path()).await;
    let relay = Relay::start(Answers::Forward).await;
    let log = dir.path().join("simulator.log");
    let simulator = Simulator::start(
        BIN.as_ref(),
        &relay.base,
        CALLBACK_SECRET,
        PROVIDER_KEY,
        &["--seed", "11"],
        &log,
    )
    .await;
    let config = dir.path().join("smsgate.toml");
    let sim = &simulator.base;
    std::fs::write(
        &config,
        format!(
            r#"
[providers.primary]
api = "clickatell"
base_url = "{sim}"
api_key_env = "{KEY_ENV}"

[providers.backup]
api = "clearline"
base_url = "{sim}"
api_key_env = "{KEY_ENV}"

[providers.unreachable]
api = "clickatell"
base_url = "http://127.0.0.1:9"
api_key_env = "{KEY_ENV}"
max_attempts = 1

[[routes]]
name = "za"
prefixes = ["+27"]
providers = ["primary", "backup"]

[[routes]]
name = "us"
prefixes = ["+1"]
providers = ["unreachable", "backup"]
"#
        ),
    )
    .unwrap();
    let mut command = serve_with_test_secrets(BIN.as_ref(), dir.path(), &database, &[]);
    command.arg("--config").arg(&config).env(KEY_ENV, PROVIDER_KEY);
    let served = Served::start_async(command).await;
    relay.point_at(&served.callback_base);

    let started_at = now_ms();
    let http = reqwest::Client::new();
    let mut sent = Vec::new();
    for to in ZA.iter().chain(&US) {
        let answer = http
            .post(format!("{}/v1/outbound", served.api_base))
            .bearer_auth(API_TOKEN)
            .json(&json!({"to": to, "text": format!("hello {to}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202);
        sent.push((to.to_string(), answer.json::<Value>().await.unwrap()));
    }
    let mut deployment = Deployment {
        served,
        simulator,
        sent,
        started_at,
        _relay: relay,
        _dir: dir,
    };
    deployment.wait_until_final().await;
    deployment
}

impl Deployment {
    /// `GET path` of the query API with the token: its JSON.
    pub async fn api(&self, path: &str) -> Value {
        let answer = reqwest::Client::new()
            .get(format!("{}{path}", self.served.api_base))
            .bearer_auth(API_TOKEN)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }

    /// Waits until every sent message has its final status; keeps the views.
    async fn wait_until_final(&mut self) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let mut pending = Vec::new();
            let mut views = Vec::new();
            for (to, message) in &self.sent {
                let view = self.api_view(message["id"].as_str().unwrap()).await;
                if !matches!(view["status"].as_str(), Some("delivered" | "undelivered" | "failed")) {
                    pending.push(to.clone());
                }
                views.push((to.clone(), view));
            }
            self.sent = views;
            if pending.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "never final: {pending:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn api_view(&self, id: &str) -> Value {
        self.api(&format!("/v1/outbound/{id}")).await
    }

    /// The outbound message sent to `to`.
    pub fn message_to(&self, to: &str) -> &Value {
        &self.sent.iter().find(|(t, _)| t == to).expect("sent").1
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
