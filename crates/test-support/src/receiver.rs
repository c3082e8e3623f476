//! A real receiver in the test's own process: `smsgate_receiver::start` on
//! 127.0.0.1:0 with a fresh SQLite file in a temporary directory (or a store
//! the test gives) and the test secrets, and the HTTP helpers the suites
//! share: send a callback with the secret, read the query API and
//! `/metrics`, look at the SQLite file directly.
//!
//! Behind the `receiver` feature: it links `smsgate-receiver`, which the
//! store's own tests must not pull in (the store is below the receiver).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use smsgate_receiver::secrets::Secret;
use smsgate_receiver::{Config, Running, Secrets};

use crate::secrets::{API_TOKEN, CALLBACK_SECRET};

/// Every request of a suite is bounded: a hung receiver fails a test, it
/// does not hang the suite.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start a test receiver.
#[derive(Debug, Clone)]
pub struct Options {
    pub body_limit: usize,
    pub body_timeout: Duration,
    /// Serve the query API on its own listener.
    pub separate_api: bool,
    pub callback_secret: String,
    /// `/v1/outbound` with these routes (messages are stored, and nothing
    /// dispatches them: no dispatcher runs in process).
    pub sending: Option<smsgate_receiver::Sending>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            body_limit: Config::DEFAULT_BODY_LIMIT,
            body_timeout: Config::DEFAULT_BODY_TIMEOUT,
            separate_api: false,
            callback_secret: CALLBACK_SECRET.to_string(),
            sending: None,
        }
    }
}

/// What one request got back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// The message of a dropshot error body (`{"request_id", "message", ...}`).
    pub fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or_default().to_string()
    }

    /// 200 with exactly `{"status":"ok"}`: the callback acknowledgement.
    #[track_caller]
    pub fn assert_ack(&self) {
        assert_eq!(self.status, StatusCode::OK, "not acknowledged: {}", self.text);
        assert_eq!(self.json(), json!({"status": "ok"}), "the ack body");
    }

    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "body: {}", self.text);
    }
}

/// An HTTP client for a test receiver: no proxy, every request bounded.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("a reqwest client")
}

/// Sends `request`; what came back.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the receiver answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a readable response body");
    Reply { status, headers, text }
}

/// A started receiver with its own store.
pub struct TestReceiver {
    pub running: Running,
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT` of the callback listener.
    pub callback_base: String,
    /// `http://127.0.0.1:PORT` of the query API (the same unless `separate_api`).
    pub api_base: String,
    /// The SQLite file (with a store of the test's own, it names nothing).
    pub db_path: PathBuf,
    /// The callback secret it was started with.
    pub secret: String,
    _dir: tempfile::TempDir,
}

impl TestReceiver {
    /// A receiver with the default [`Options`] on a fresh SQLite file.
    pub async fn start() -> TestReceiver {
        TestReceiver::start_with(Options::default()).await
    }

    /// A receiver with `options` on a fresh SQLite file.
    pub async fn start_with(options: Options) -> TestReceiver {
        TestReceiver::start_on(options, None).await
    }

    /// A receiver on `store`, or on a fresh SQLite file when `None` (then
    /// `db_path` names it; with another store, it names nothing).
    pub async fn start_on(options: Options, store: Option<Arc<dyn smsgate_store::Store>>) -> TestReceiver {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db_path = dir.path().join("smsgate.db");
        let store = match store {
            Some(store) => store,
            None => smsgate_store::open(&format!("sqlite:{}", db_path.display()))
                .await
                .expect("the store opens"),
        };
        let loopback = "127.0.0.1:0".parse().unwrap();
        let config = Config {
            listen: loopback,
            api_listen: options.separate_api.then_some(loopback),
            body_limit: options.body_limit,
            body_timeout: options.body_timeout,
            tls: None,
            sending: options.sending.clone(),
            // Each test receiver signs its console sessions with a key of its own.
            console_secret: None,
            exports: None,
        };
        let secrets = Secrets {
            callback: Secret::new(options.callback_secret.clone()),
            api: Secret::new(API_TOKEN),
        };
        let running = smsgate_receiver::start(&config, store, secrets)
            .await
            .expect("the receiver starts");
        let callback_base = format!("http://{}", running.callback_addr());
        let api_base = format!("http://{}", running.api_addr());
        TestReceiver {
            running,
            http: http_client(),
            callback_base,
            api_base,
            db_path,
            secret: options.callback_secret,
            _dir: dir,
        }
    }

    pub fn callback_url(&self, path: &str) -> String {
        format!("{}{path}", self.callback_base)
    }

    pub fn api_url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    /// POSTs `body` as JSON to a callback route with `?token=SECRET`.
    pub async fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> Reply {
        send(
            self.http
                .post(self.callback_url(path))
                .query(&[("token", self.secret.as_str())])
                .header(CONTENT_TYPE, "application/json")
                .body(body),
        )
        .await
    }

    /// POSTs a JSON value to a callback route with the secret.
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.post(path, serde_json::to_vec(body).unwrap()).await
    }

    /// GETs a callback route with `params` and the secret (appended last).
    pub async fn get_callback(&self, path: &str, params: &[(&str, &str)]) -> Reply {
        send(
            self.http
                .get(self.callback_url(path))
                .query(params)
                .query(&[("token", self.secret.as_str())]),
        )
        .await
    }

    /// GETs `path` (with its query) of the query API with the bearer token.
    pub async fn api(&self, path: &str) -> Reply {
        send(self.http.get(self.api_url(path)).bearer_auth(API_TOKEN)).await
    }

    /// GETs a query API path that must answer 200, as JSON.
    pub async fn api_json(&self, path: &str) -> Value {
        let reply = self.api(path).await;
        reply.assert_status(StatusCode::OK);
        reply.json()
    }

    /// `GET /v1/messages/{provider}/{id}`, which must exist.
    pub async fn message(&self, provider: &str, id: &str) -> Value {
        self.api_json(&format!("/v1/messages/{provider}/{id}")).await
    }

    /// Every event of `/v1/events`, walking its pages.
    pub async fn events(&self) -> Vec<Value> {
        self.walk("/v1/events", "events").await
    }

    /// Every message of `/v1/inbound`, walking its pages.
    pub async fn inbound(&self) -> Vec<Value> {
        self.walk("/v1/inbound", "messages").await
    }

    async fn walk(&self, path: &str, field: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let url = match &after {
                None => format!("{path}?limit=1000"),
                Some(cursor) => format!("{path}?limit=1000&after={cursor}"),
            };
            let page = self.api_json(&url).await;
            let items = page[field].as_array().expect("a page of items").clone();
            if items.is_empty() {
                return all;
            }
            after = Some(page["next_cursor"].as_str().expect("a next_cursor").to_string());
            all.extend(items);
        }
    }

    /// `/v1/quarantine`'s requests.
    pub async fn quarantine(&self) -> Vec<Value> {
        let page = self.api_json("/v1/quarantine").await;
        page["requests"].as_array().expect("a list of requests").clone()
    }

    /// `/metrics` of the query API's listener, as text.
    pub async fn metrics(&self) -> String {
        let reply = send(self.http.get(self.api_url("/metrics"))).await;
        reply.assert_status(StatusCode::OK);
        reply.text
    }

    /// The counter `name{labels}` of `/metrics`; 0 while it is not printed
    /// (a counter shows once it was first incremented).
    pub async fn counter(&self, name: &str, labels: &str) -> f64 {
        metric(&self.metrics().await, name, labels).unwrap_or(0.0)
    }

    /// The raw requests as the SQLite file holds them, oldest first.
    pub fn raw_requests(&self) -> Vec<RawRow> {
        let conn = rusqlite::Connection::open_with_flags(&self.db_path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("the database opens read-only");
        let mut statement = conn
            .prepare("SELECT method, path, query, content_type, body, quarantine_error FROM raw_requests ORDER BY id")
            .unwrap();
        statement
            .query_map([], |row| {
                Ok(RawRow {
                    method: row.get(0)?,
                    path: row.get(1)?,
                    query: row.get(2)?,
                    content_type: row.get(3)?,
                    body: row.get(4)?,
                    quarantine_error: row.get(5)?,
                })
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Nothing at all stored: no raw request, no event, no quarantine.
    pub async fn assert_nothing_stored(&self) {
        assert_eq!(self.events().await, Vec::<Value>::new(), "events");
        assert_eq!(self.quarantine().await, Vec::<Value>::new(), "quarantine");
        assert_eq!(self.raw_requests(), Vec::new(), "raw requests");
    }
}

/// One row of `raw_requests`: what the receiver stored of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub quarantine_error: Option<String>,
}

/// The value of the sample `name{labels}` in a Prometheus text exposition
/// (`name` alone when `labels` is empty).
pub fn metric(text: &str, name: &str, labels: &str) -> Option<f64> {
    let sample = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    text.lines()
        .find_map(|line| line.strip_prefix(&sample))
        .map(|value| value.trim().parse().expect("a numeric sample"))
}
