//! What the export tests share: `smsgate serve` with `[[exports]]` in its
//! config file and the webhook secret in its environment, the query API,
//! the callbacks (the load driver's), a check of Standard Webhooks
//! signatures written here (HMAC-SHA256 with the `hmac` crate, not the
//! library that signs), and the NATS test server.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use smsgate_test_support::load::{self, Callback, Load, Target};
use smsgate_test_support::provider_peer::Seen;
use smsgate_test_support::secrets::API_TOKEN;
use smsgate_test_support::serve::serve_with_test_secrets;

pub const BIN: &str = env!("CARGO_BIN_EXE_smsgate");
/// The webhook exports' secret: `whsec_` and the base64 of a 32-byte key.
pub const SECRET: &str = "whsec_c21zZ2F0ZS1leHBvcnRzLXRlc3Qta2V5LTMyYnl0ZXM=";
/// The environment variable the configs name for it.
pub const SECRET_ENV: &str = "SMSGATE_TEST_EXPORT_SECRET";
/// Long enough for a debug build on a busy 2-core machine.
pub const SETTLE: Duration = Duration::from_secs(120);

/// Held by each test for its whole run: the tests of this binary take
/// turns, so that one's load does not slow another's deliveries, and the
/// isolation test's ratio compares like with like.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// Writes `smsgate.toml` with `exports` (TOML) in `dir`; its path.
pub fn config(dir: &Path, exports: &str) -> PathBuf {
    let path = dir.join("smsgate.toml");
    std::fs::write(&path, exports).unwrap();
    path
}

/// `smsgate serve` on `database` with the config at `config` and the secret
/// in its environment.
pub fn serve(dir: &Path, database: &str, config: &Path) -> std::process::Command {
    let mut command = serve_with_test_secrets(BIN.as_ref(), dir, database, &[]);
    command.arg("--config").arg(config).env(SECRET_ENV, SECRET);
    command
}

/// A webhook export's TOML.
pub fn webhook_export(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[[exports]]\nname = \"{name}\"\nkind = \"webhook\"\nurl = \"{url}\"\nsecret_env = \"{SECRET_ENV}\"\n{extra}\n"
    )
}

/// Whether `seen` carries a valid Standard Webhooks signature of its body
/// with [`SECRET`], made within five minutes of now.
pub fn signature_valid(seen: &Seen) -> bool {
    let (Some(id), Some(timestamp), Some(signatures)) = (
        seen.header("webhook-id"),
        seen.header("webhook-timestamp"),
        seen.header("webhook-signature"),
    ) else {
        return false;
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    if timestamp.parse::<i64>().is_ok_and(|t| (now - t).abs() > 300) {
        return false;
    }
    let key = STANDARD.decode(SECRET.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", seen.raw_body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    signatures.split(' ').any(|signature| signature == expected)
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

    /// `GET path` with the token: its JSON.
    pub async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(API_TOKEN)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// `POST path` with the token and `body`: the status and the JSON.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(API_TOKEN)
            .json(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// Every event of the feed, in feed order.
    pub async fn feed(&self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut after = String::from("0");
        loop {
            let page = self.get(&format!("/v1/events?after={after}&limit=1000")).await;
            let batch = page["events"].as_array().unwrap().clone();
            after = page["next_cursor"].as_str().unwrap().to_string();
            let done = batch.len() < 1000;
            events.extend(batch);
            if done {
                return events;
            }
        }
    }

    /// The export `name` of `GET /v1/exports`.
    pub async fn export(&self, name: &str) -> Value {
        let page = self.get("/v1/exports").await;
        page["exports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("no export {name} in {page}"))
            .clone()
    }
}

/// The id an export gives a feed event.
pub fn event_id(event: &Value) -> String {
    format!("evt_{}", event["cursor"].as_str().unwrap())
}

/// Sends every callback to `target` with `workers` senders, again until
/// each one was acknowledged.
pub async fn send_all(target: &Target, callbacks: &Arc<Vec<Callback>>, workers: usize) {
    send_until_acknowledged(target, callbacks, (0..callbacks.len()).collect(), workers).await;
}

/// Sends the `pending` callbacks (indexes) to `target`, again until each
/// one was acknowledged (as providers retry).
pub async fn send_until_acknowledged(
    target: &Target,
    callbacks: &Arc<Vec<Callback>>,
    mut pending: Vec<usize>,
    workers: usize,
) {
    for _ in 0..5 {
        if pending.is_empty() {
            return;
        }
        let ledger = Load::start(target, callbacks.clone(), pending, workers).finish().await;
        pending = ledger.unacknowledged();
    }
    assert!(pending.is_empty(), "{} callbacks never acknowledged", pending.len());
}

/// The load driver's callbacks for `messages` messages (two events each).
pub fn callbacks(prefix: &str, messages: usize) -> Arc<Vec<Callback>> {
    Arc::new(load::callbacks(prefix, messages))
}

/// Waits until `done` (checked every 100 ms), [`SETTLE`] at most; `what`
/// names it in the failure, with `state` describing where things stood.
pub async fn wait_until<F, S>(what: &str, mut done: F, state: S)
where
    F: AsyncFnMut() -> bool,
    S: AsyncFn() -> String,
{
    let deadline = Instant::now() + SETTLE;
    while !done().await {
        assert!(Instant::now() < deadline, "never {what}: {}", state().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The NATS test server's URL (`SMSGATE_TEST_NATS_URL`), or `None` after
/// saying the test is skipped.
pub fn nats_url(what: &str) -> Option<String> {
    match std::env::var("SMSGATE_TEST_NATS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            println!("skipped: {what}: set SMSGATE_TEST_NATS_URL (e.g. nats://127.0.0.1:4222, with JetStream)");
            None
        }
    }
}

/// A name no earlier run used: `{prefix}_{pid}_{nanos}`.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}
