//! A real receiver (the shared test receiver: SQLite in a temporary
//! directory) and a simulator calling it back, per test, on 127.0.0.1:0; and
//! the waiting and reading helpers the tests share. Callback retries are
//! quick (20 ms doubling), every wait is bounded and polls, nothing asserts
//! on timing.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use smsgate::ApiKey;
use smsgate_simulator::{Config, Knobs, RetryPolicy};
use smsgate_test_support::receiver::TestReceiver;
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};

/// The key the simulator's send API takes.
pub const API_KEY: &str = "sim-Key_for-the-tests";
/// The longest any test waits for callbacks to arrive.
pub const PATIENCE: Duration = Duration::from_secs(40);

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 8,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(400),
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A receiver and a simulator aimed at it.
pub struct Rig {
    /// Both run for as long as the rig: dropping one stops it.
    _receiver: TestReceiver,
    _simulator: smsgate_simulator::Running,
    /// `http://127.0.0.1:PORT` of the simulator.
    pub sim: String,
    /// `http://127.0.0.1:PORT` of the receiver.
    pub receiver_base: String,
}

impl Rig {
    pub async fn start(knobs: Knobs, seed: u64) -> Rig {
        let receiver = TestReceiver::start().await;
        let receiver_base = receiver.callback_base.clone();
        let simulator = simulator_for(&receiver_base, knobs, seed);
        Rig {
            sim: format!("http://{}", simulator.local_addr()),
            _receiver: receiver,
            _simulator: simulator,
            receiver_base,
        }
    }

    /// The ClearLine `callbackUrl` of this rig's receiver.
    pub fn clearline_callback_url(&self) -> String {
        format!(
            "{}/client-callback/clearline-status?token={CALLBACK_SECRET}",
            self.receiver_base
        )
    }

    pub fn clickatell(&self) -> smsgate::clickatell::sms_api::Client {
        smsgate::clickatell::sms_api::Client::with_api_key(&self.sim, ApiKey::new(API_KEY).unwrap())
    }

    pub fn clearline(&self) -> smsgate::clearline::sms_api::Client {
        smsgate::clearline::sms_api::Client::with_api_key(&self.sim, ApiKey::new(API_KEY).unwrap())
    }

    /// `GET /simulator/messages`.
    pub async fn ledger(&self) -> Value {
        get_json(&format!("{}/simulator/messages", self.sim), None).await
    }

    /// `GET /v1/messages/{provider}/{id}` of the receiver (`None` while 404).
    pub async fn stored(&self, provider: &str, id: &str) -> Option<Value> {
        let url = format!("{}/v1/messages/{provider}/{id}", self.receiver_base);
        let response = http().get(url).bearer_auth(API_TOKEN).send().await.unwrap();
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        assert!(response.status().is_success(), "{}", response.status());
        Some(response.json().await.unwrap())
    }

    /// Waits until every callback the simulator planned is acknowledged.
    pub async fn all_callbacks_delivered(&self) -> Value {
        eventually("every callback acknowledged", || async {
            let ledger = self.ledger().await;
            let done = ledger["messages"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|m| m["callbacks"].as_array().unwrap())
                .all(|c| c["state"] == "delivered");
            done.then_some(ledger)
        })
        .await
    }
}

/// A simulator calling `callback_base` back, with the test key and token.
pub fn simulator_for(callback_base: &str, knobs: Knobs, seed: u64) -> smsgate_simulator::Running {
    smsgate_simulator::start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        callback_base: callback_base.to_string(),
        callback_token: Some(ApiKey::new(CALLBACK_SECRET).unwrap()),
        api_key: ApiKey::new(API_KEY).unwrap(),
        knobs,
        seed,
        retry: quick_retries(),
    })
    .expect("the simulator starts")
}

pub async fn get_json(url: &str, bearer: Option<&str>) -> Value {
    let mut request = http().get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.json().await.unwrap()
}

/// Polls `check` until it gives a value, failing after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends until the simulator stops answering 503 (`--fail-rate`), as a
/// client must; returns the answer and how many 503s came first.
pub async fn until_accepted<T, E: std::fmt::Debug, F, Fut>(mut send: F) -> (T, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let mut unavailable = 0;
    loop {
        match send().await {
            Ok(answer) => return (answer.into_inner(), unavailable),
            Err(error) if error.status() == Some(reqwest::StatusCode::SERVICE_UNAVAILABLE) => unavailable += 1,
            Err(error) => panic!("the simulator refused a valid request: {error:?}"),
        }
        assert!(unavailable < 50, "the simulator keeps answering 503");
    }
}
