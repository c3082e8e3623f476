//! How the CLI's tests run `smsgate`: a command in a directory of the
//! test's own with a clean environment, run to its end ([`run`]) or kept
//! running (`ChildProcess`, `Served` from `smsgate_test_support`); plain
//! HTTP to what `serve` printed; and a receiver seeded with the callbacks
//! of [`crate::payloads`].

use std::path::Path;
use std::process::{Command, ExitStatus};

use serde_json::{Value, json};
use smsgate_test_support::process::{ChildProcess, EXIT, STEP};
use smsgate_test_support::serve::{Served, serve_command, smsgate_command};
use tempfile::TempDir;

use crate::payloads::{ONE_API_DELIVERED, ONE_API_REPLY, ONE_API_SENT, SMARTHIVE_EXAMPLE};

const BIN: &str = env!("CARGO_BIN_EXE_smsgate");

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

/// `smsgate ARGS` in `dir`, with none of the caller's `SMSGATE_*` or `RUST_LOG`.
pub fn smsgate(dir: &Path, args: &[&str]) -> Command {
    let mut command = smsgate_command(Path::new(BIN), dir, &[]);
    command.args(args);
    command
}

/// `smsgate serve --listen 127.0.0.1:0 --database DATABASE`, plus `args`;
/// `serve` makes up its secrets.
pub fn serve(dir: &Path, database: &str, args: &[&str]) -> Command {
    let mut command = serve_command(Path::new(BIN), dir, database, &[]);
    command.args(args);
    command
}

/// A command that ran to its end.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub lines: Vec<String>,
    pub stderr: String,
}

impl Output {
    pub fn stdout(&self) -> String {
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[track_caller]
    pub fn success(self) -> Output {
        assert!(self.status.success(), "smsgate failed: {self:#?}");
        self
    }

    /// Asserts a failure with an `error:` line on stderr, nothing on stdout;
    /// gives stderr.
    #[track_caller]
    pub fn failure(self) -> String {
        assert!(!self.status.success(), "smsgate should have failed: {self:#?}");
        assert!(self.lines.is_empty(), "a failure prints nothing on stdout: {self:#?}");
        assert!(self.stderr.contains("error"), "stderr says what went wrong: {self:#?}");
        self.stderr
    }
}

pub fn run(command: Command) -> Output {
    let mut process = ChildProcess::spawn(command);
    let status = process.wait(EXIT);
    let (lines, stderr) = process.rest();
    Output { status, lines, stderr }
}

pub fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

pub fn tempdir() -> TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

pub fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(STEP)
        .build()
        .expect("an HTTP client")
}

/// POSTs a JSON body; the status and the body.
pub fn post(url: &str, body: &str) -> (u16, String) {
    block_on(async {
        let response = client()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    })
}

/// GETs `url`, with a bearer token if given; the status and the body.
pub fn get(url: &str, bearer: Option<&str>) -> (u16, String) {
    block_on(async {
        let mut request = client().get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    })
}

#[track_caller]
pub fn assert_acknowledged((status, body): (u16, String)) {
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON acknowledgement");
    assert_eq!(body, json!({"status": "ok"}));
}

// ---------------------------------------------------------------------------
// The receiver
// ---------------------------------------------------------------------------

/// A reading command against `server`'s query API.
pub fn reader(server: &Served, dir: &Path, args: &[&str]) -> Command {
    let mut command = smsgate(dir, args);
    command
        .args(["--server", &server.api_base])
        .env("SMSGATE_API_TOKEN", &server.api_token);
    command
}

/// Every event `server` stored, through its query API.
pub fn stored_events(server: &Served) -> Vec<Value> {
    let (status, body) = get(
        &format!("{}/v1/events?limit=1000", server.api_base),
        Some(&server.api_token),
    );
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).expect("an events page");
    page["events"].as_array().expect("events").clone()
}

/// A receiver on a fresh store in `dir`, with the four seed callbacks posted.
pub fn seeded(dir: &Path) -> (Served, String) {
    let database = sqlite(dir, "db");
    let server = Served::start(serve(dir, &database, &[]));
    assert_acknowledged(post(
        server.callback_url("/client-callback/one-api-status"),
        ONE_API_SENT,
    ));
    assert_acknowledged(post(
        server.callback_url("/client-callback/one-api-status"),
        ONE_API_DELIVERED,
    ));
    assert_acknowledged(post(
        server.callback_url("/client-callback/smarthive-status"),
        SMARTHIVE_EXAMPLE,
    ));
    assert_acknowledged(post(
        server.callback_url("/client-callback/one-api-reply"),
        ONE_API_REPLY,
    ));
    (server, database)
}
