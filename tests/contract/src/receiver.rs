//! A real receiver in this process: `smsgate_receiver::start` on
//! 127.0.0.1:0 with a fresh SQLite file in a temporary directory and a known
//! callback secret, and what the tests read back from it: the query API
//! (through `smsgate::api`), `/metrics`, and the raw requests as the SQLite
//! file holds them.

use std::path::PathBuf;

use smsgate::ApiKey;
use smsgate_receiver::secrets::Secret;
use smsgate_receiver::{Config, Running, Secrets};

/// The callback secret of every test receiver.
pub const CALLBACK_SECRET: &str = "contract-cb_S3cret";
/// The query API's bearer token.
pub const API_TOKEN: &str = "contract-api_T0ken";

/// A started receiver with its own store.
pub struct TestReceiver {
    pub running: Running,
    /// `http://127.0.0.1:PORT`, callbacks and the query API both.
    pub base_url: String,
    db_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// One row of `raw_requests`: what the receiver stored of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Vec<u8>,
}

impl TestReceiver {
    pub async fn start() -> TestReceiver {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db_path = dir.path().join("smsgate.db");
        let store = smsgate_store::open(&format!("sqlite:{}", db_path.display()))
            .await
            .expect("the store opens");
        let config = Config::on("127.0.0.1:0".parse().unwrap());
        let secrets = Secrets {
            callback: Secret::new(CALLBACK_SECRET),
            api: Secret::new(API_TOKEN),
        };
        let running = smsgate_receiver::start(&config, store, secrets)
            .await
            .expect("the receiver starts");
        let base_url = format!("http://{}", running.callback_addr());
        TestReceiver {
            running,
            base_url,
            db_path,
            _dir: dir,
        }
    }

    /// The callback secret as the generated callback clients take it.
    pub fn callback_key(&self) -> ApiKey {
        ApiKey::new(CALLBACK_SECRET).expect("a valid key")
    }

    /// The generated client of the query API, with its token.
    pub fn api(&self) -> smsgate::api::Client {
        smsgate::api::Client::with_api_key(&self.base_url, ApiKey::new(API_TOKEN).expect("a valid key"))
    }

    /// Every raw request stored so far, oldest first.
    pub fn raw_requests(&self) -> Vec<RawRequest> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let conn = rusqlite::Connection::open_with_flags(&self.db_path, flags).expect("the database opens read-only");
        let mut statement = conn
            .prepare("SELECT method, path, query, body FROM raw_requests ORDER BY id")
            .expect("the raw_requests table");
        statement
            .query_map([], |row| {
                Ok(RawRequest {
                    method: row.get(0)?,
                    path: row.get(1)?,
                    query: row.get(2)?,
                    body: row.get(3)?,
                })
            })
            .expect("a query of raw_requests")
            .collect::<Result<_, _>>()
            .expect("readable rows")
    }

    /// `GET /v1/messages/{provider}/{message_id}` through `smsgate::api`:
    /// the message view as JSON, or `None` on 404. Generated ids hold any
    /// character, `\\` and `/` included, so this also checks that the
    /// generated client keeps a path parameter one segment.
    pub async fn message(&self, provider: &str, message_id: &str) -> Option<serde_json::Value> {
        match self
            .api()
            .get_message()
            .provider(provider)
            .message_id(message_id)
            .send()
            .await
        {
            Ok(view) => Some(serde_json::to_value(view.into_inner()).expect("a message view serializes")),
            Err(error) if error.status() == Some(reqwest::StatusCode::NOT_FOUND) => None,
            Err(error) => panic!("the query API's message view: {error}"),
        }
    }

    /// The value of the counter `name{labels}` in `/metrics` (0 when absent).
    pub async fn counter(&self, name: &str, labels: &str) -> f64 {
        let url = format!("{}/metrics", self.base_url);
        let text = smsgate::auth::http_client()
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("/metrics answers")
            .text()
            .await
            .expect("/metrics as text");
        let sample = format!("{name}{{{labels}}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&sample))
            .map_or(0.0, |value| value.trim().parse().expect("a numeric sample"))
    }
}
