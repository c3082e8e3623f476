//! What the sending tests share: `smsgate serve` with providers and routes
//! in its config file, `smsgate simulate` processes standing in for the
//! providers (one per provider, each with its own knobs), the API calls,
//! and the waits.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
pub use smsgate_test_support::relay::{Answers, Relay};
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};
use smsgate_test_support::serve::serve_with_test_secrets;
pub use smsgate_test_support::simulator::Simulator;

pub const BIN: &str = env!("CARGO_BIN_EXE_smsgate");
/// The key every simulator accepts, given to serve as its providers' keys.
pub const PROVIDER_KEY: &str = "outbound-test-provider-key";
/// The environment variable the config names for that key.
pub const KEY_ENV: &str = "SMSGATE_TEST_PROVIDER_KEY";
/// Long enough for a debug build on a busy 2-core machine.
pub const SETTLE: Duration = Duration::from_secs(180);

/// How many times sooner than at the provider the simulators report
/// Clickatell's statuses: a final status in 0.4 s (0.9 s when undelivered),
/// not 4 s (9 s).
const SPEED: &str = "10";

/// A simulator standing in for one provider, calling `callback_base`
/// back, taking [`PROVIDER_KEY`], with `knobs`, at [`SPEED`].
pub async fn simulator(callback_base: &str, knobs: &[&str], log: &Path) -> Simulator {
    let knobs = [&["--speed", SPEED], knobs].concat();
    Simulator::start(BIN.as_ref(), callback_base, CALLBACK_SECRET, PROVIDER_KEY, &knobs, log).await
}

/// Writes `smsgate.toml` in `dir` with `providers` (name, api, base URL)
/// and the TOML of the routes, and returns its path.
pub fn config(dir: &Path, providers: &[(&str, &str, &str)], extra: &str, routes: &str) -> PathBuf {
    let mut text = String::new();
    for (name, api, base_url) in providers {
        text.push_str(&format!(
            "[providers.{name}]\napi = \"{api}\"\nbase_url = \"{base_url}\"\napi_key_env = \"{KEY_ENV}\"\n{extra}\n"
        ));
    }
    text.push_str(routes);
    let path = dir.join("smsgate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `smsgate serve` on `database` with the config at `config` and the
/// providers' key in its environment.
pub fn serve_sending(dir: &Path, database: &str, config: &Path) -> std::process::Command {
    let mut command = serve_with_test_secrets(BIN.as_ref(), dir, database, &[]);
    command.arg("--config").arg(config).env(KEY_ENV, PROVIDER_KEY);
    command
}

/// The query API of a running serve.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: base.to_string(),
        }
    }

    /// `POST /v1/outbound`: the status and the JSON answer.
    pub async fn send(&self, body: &Value, key: Option<&str>) -> Result<(u16, Value), reqwest::Error> {
        let mut request = self
            .http
            .post(format!("{}/v1/outbound", self.base))
            .bearer_auth(API_TOKEN)
            .timeout(Duration::from_secs(30))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// `POST /v1/outbound` that must answer 202; the stored message.
    pub async fn send_ok(&self, to: &str, text: &str) -> Value {
        let (status, message) = self.send(&json!({"to": to, "text": text}), None).await.unwrap();
        assert_eq!(status, 202, "{message}");
        message
    }

    pub async fn get(&self, id: &str) -> Value {
        self.get_json(&format!("/v1/outbound/{id}")).await
    }

    /// `GET path` with the token: its JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(API_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until every message of `ids` satisfies `done`; their views.
    pub async fn wait_for(&self, ids: &[String], what: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + SETTLE;
        // Soon at first (one message is often done within milliseconds),
        // then at most four times a second.
        let mut pause = Duration::from_millis(10);
        loop {
            let mut views = Vec::with_capacity(ids.len());
            for id in ids {
                views.push(self.get(id).await);
            }
            let pending: Vec<&Value> = views.iter().filter(|v| !done(v)).collect();
            if pending.is_empty() {
                return views;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {} messages never got {what}; first: {:#}",
                pending.len(),
                ids.len(),
                pending[0]
            );
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }
}

/// Sends `messages` messages (`n` to `+2782` and `n` in seven digits, with
/// `text(n)`) from `senders` concurrent senders, message `n` through
/// `apis[n % apis.len()]`, each accepted: their ids.
pub async fn send_concurrently(
    apis: &[Api],
    messages: usize,
    senders: usize,
    text: fn(usize) -> String,
) -> Vec<String> {
    let senders: Vec<_> = (0..senders)
        .map(|s| {
            let apis = apis.to_vec();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in (s..messages).step_by(senders) {
                    let body = json!({"to": format!("+2782{n:07}"), "text": text(n)});
                    let (status, message) = apis[n % apis.len()].send(&body, None).await.unwrap();
                    assert_eq!(status, 202, "{message}");
                    ids.push(message["id"].as_str().unwrap().to_string());
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for sender in senders {
        ids.extend(sender.await.unwrap());
    }
    ids
}

/// A final status: the provider's outcome reached, or nothing more to come.
pub fn is_final(view: &Value) -> bool {
    matches!(
        view["status"].as_str(),
        Some("delivered" | "undelivered" | "failed" | "rejected" | "expired")
    )
}

/// The outcomes of a message's attempts, in order, as `provider:outcome`.
pub fn attempts(view: &Value) -> Vec<String> {
    view["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}:{}", a["provider"].as_str().unwrap(), a["outcome"].as_str().unwrap()))
        .collect()
}
