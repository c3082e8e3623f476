//! The `smsgate` binary end to end, as a person or a script runs it: `serve`
//! as a child process on port 0, callbacks posted to the URLs it prints, and
//! `messages show` / `events tail` reading the result through the query API
//! (`--server`) and from the store itself (`--database`).
//!
//! Every wait has a timeout and every child process is killed when its guard
//! drops, so a broken binary fails a test instead of hanging it. Each test has
//! its own directory and database, so they run in parallel.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_smsgate");

/// How long `serve` may take to print its URLs and answer /healthz.
const START_UP: Duration = Duration::from_secs(30);
/// How long one step (a line, an HTTP answer) may take.
const STEP: Duration = Duration::from_secs(15);
/// How long a command may take to exit.
const EXIT: Duration = Duration::from_secs(30);

/// The six callback routes `serve` prints, one URL each.
const ROUTES: [&str; 6] = [
    "/client-callback/sms-status",
    "/client-callback/sms-reply",
    "/client-callback/one-api-status",
    "/client-callback/one-api-reply",
    "/client-callback/smarthive-status",
    "/client-callback/clearline-status",
];

// ---------------------------------------------------------------------------
// Callbacks
// ---------------------------------------------------------------------------

/// Clickatell One API: m1 handed to the supplier (statusCode 4, `sent`).
const ONE_API_SENT: &str = r#"{"integrationId": "i-1", "event": {"messageStatusUpdate": [{
    "channel": "sms", "messageId": "m1", "clientMessageId": "order-1",
    "statusCode": 4, "status": "SENT_TO_SUPPLIER", "timestamp": 1700000000000}]}}"#;

/// Clickatell One API: m1 acknowledged by the handset (statusCode 5, `delivered`).
const ONE_API_DELIVERED: &str = r#"{"integrationId": "i-1", "event": {"messageStatusUpdate": [{
    "channel": "sms", "messageId": "m1", "clientMessageId": "order-1",
    "statusCode": 5, "status": "DEVICE_ACK", "timestamp": 1700000005000}]}}"#;

/// SmartHive's documented callback example, verbatim (trailing comma included).
const SMARTHIVE_EXAMPLE: &str = r#"{
   "msg_id": "jyd823-23n",
   "status": "DELIVRD",
   "dlr_code": "err:000",
   "timestamp": "202311042057",
   "str_length": "157",
   "pg_length": "1",
   "cost": "3.00",
   "desc": "DELIVERED",
}"#;

/// Clickatell One API: a text reply r1 to m1.
const ONE_API_REPLY: &str = r#"{"integrationId": "i-1", "event": {"moText": [{
    "channel": "sms", "messageId": "r1", "relatedMessageId": "m1",
    "from": "27821234567", "to": "27820000000", "timestamp": 1700000010000,
    "content": "Thanks!", "charset": "UTF-8"}]}}"#;

/// SmartHive: a report that arrives while `events tail --follow` runs.
const SMARTHIVE_LATE: &str = r#"{"msg_id": "late-1", "status": "UNDELIV", "dlr_code": "err:001",
    "timestamp": "202311050101", "desc": "UNDELIVERED"}"#;

/// What the seeded store holds, in commit order: (kind, provider, message id).
const SEEDED: [(&str, &str, &str); 4] = [
    ("status", "clickatell", "m1"),
    ("status", "clickatell", "m1"),
    ("status", "smarthive", "jyd823-23n"),
    ("inbound", "clickatell", "r1"),
];

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

/// `smsgate` in `dir`, with none of the caller's `SMSGATE_*` or `RUST_LOG`.
fn smsgate(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).stdin(Stdio::null()).args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SMSGATE_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// A running `smsgate`, killed when dropped. stdout arrives line by line,
/// stderr as a whole once the process has exited.
struct Proc {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Proc {
    fn spawn(mut command: Command) -> Proc {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("smsgate starts");
        let out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let (line_tx, stdout) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (err_tx, stderr) = mpsc::channel();
        thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            let _ = err_tx.send(text);
        });
        Proc { child, stdout, stderr }
    }

    /// The next stdout line, or `None` once stdout is closed; panics when
    /// nothing comes within `timeout`.
    fn line(&self, timeout: Duration) -> Option<String> {
        match self.stdout.recv_timeout(timeout) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("smsgate printed no line within {timeout:?}"),
        }
    }

    /// The next stdout line if one comes within `timeout`.
    fn maybe_line(&self, timeout: Duration) -> Option<String> {
        self.stdout.recv_timeout(timeout).ok()
    }

    /// Waits for the process to exit by itself.
    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!("smsgate did not exit within {timeout:?}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Ctrl-C, then the exit status.
    fn interrupt(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill -INT runs");
        assert!(sent.success(), "kill -INT failed");
        self.wait(EXIT)
    }

    /// The stdout lines not read yet and all of stderr; call once the
    /// process has exited (or been killed).
    fn rest(&self) -> (Vec<String>, String) {
        let mut lines = Vec::new();
        while let Some(line) = self.line(STEP) {
            lines.push(line);
        }
        let stderr = self
            .stderr
            .recv_timeout(STEP)
            .expect("stderr closes once smsgate exits");
        (lines, stderr)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A command that ran to its end.
#[derive(Debug)]
struct Output {
    status: ExitStatus,
    lines: Vec<String>,
    stderr: String,
}

impl Output {
    fn stdout(&self) -> String {
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[track_caller]
    fn success(self) -> Output {
        assert!(self.status.success(), "smsgate failed: {self:#?}");
        self
    }

    /// Asserts a failure with an `error:` line on stderr, nothing on stdout;
    /// gives stderr.
    #[track_caller]
    fn failure(self) -> String {
        assert!(!self.status.success(), "smsgate should have failed: {self:#?}");
        assert!(self.lines.is_empty(), "a failure prints nothing on stdout: {self:#?}");
        assert!(self.stderr.contains("error"), "stderr says what went wrong: {self:#?}");
        self.stderr
    }
}

fn run(command: Command) -> Output {
    let mut proc = Proc::spawn(command);
    let status = proc.wait(EXIT);
    let (lines, stderr) = proc.rest();
    Output { status, lines, stderr }
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(STEP)
        .build()
        .expect("an HTTP client")
}

/// POSTs a JSON body; the status and the body.
fn post(url: &str, body: &str) -> (u16, String) {
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
fn get(url: &str, bearer: Option<&str>) -> (u16, String) {
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
fn assert_acknowledged((status, body): (u16, String)) {
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON acknowledgement");
    assert_eq!(body, json!({"status": "ok"}));
}

// ---------------------------------------------------------------------------
// The receiver
// ---------------------------------------------------------------------------

/// A running `smsgate serve` and what it printed at start-up.
struct Server {
    proc: Proc,
    /// stdout up to and including the `Metrics:` line.
    banner: Vec<String>,
    /// (route path, full callback URL with `?token=`), in printed order.
    callbacks: Vec<(String, String)>,
    /// The callback secret of the first URL.
    secret: String,
    /// The query API's bearer token.
    api_token: String,
    /// `http://ADDR` of the query API.
    api: String,
}

impl Server {
    /// Runs `command` (a `serve`), reads its start-up output and waits until
    /// the query API's listener answers /healthz.
    fn start(command: Command) -> Server {
        let proc = Proc::spawn(command);
        let mut banner = Vec::new();
        loop {
            let Some(line) = proc.maybe_line(START_UP) else {
                let mut proc = proc;
                proc.kill();
                let (rest, stderr) = proc.rest();
                panic!("serve stopped or stalled before its Metrics line: {banner:?} {rest:?}\nstderr: {stderr}");
            };
            let done = line.starts_with("Metrics:");
            banner.push(line);
            if done {
                break;
            }
        }
        let mut callbacks = Vec::new();
        let mut query = None;
        for line in &banner {
            if line.contains("?token=") {
                let url = line.split_whitespace().last().expect("a URL").to_string();
                let base = url.split_once('?').expect("a query").0;
                let path = &base[base.find("/client-callback/").expect("a callback route")..];
                callbacks.push((path.to_string(), url));
            }
            if let Some(rest) = line.strip_prefix("Query API: ") {
                query = Some(rest.to_string());
            }
        }
        let query = query.unwrap_or_else(|| panic!("no Query API line in {banner:#?}"));
        let api = query
            .split_whitespace()
            .next()
            .and_then(|u| u.strip_suffix("/v1"))
            .unwrap_or_else(|| panic!("no http://ADDR/v1 in `{query}`"))
            .to_string();
        let api_token = query
            .split_once("Bearer ")
            .map(|(_, t)| t.trim_end_matches(')').to_string())
            .unwrap_or_else(|| panic!("no `Bearer TOKEN` in `{query}`"));
        let secret = callbacks
            .first()
            .and_then(|(_, url)| url.split_once("?token="))
            .map(|(_, secret)| secret.to_string())
            .unwrap_or_else(|| panic!("no callback URL in {banner:#?}"));
        let server = Server {
            proc,
            banner,
            callbacks,
            secret,
            api_token,
            api,
        };
        let deadline = Instant::now() + START_UP;
        let healthz = format!("{}/healthz", server.api);
        while !matches!(block_on(async { client().get(&healthz).send().await }), Ok(r) if r.status() == 200) {
            assert!(Instant::now() < deadline, "{}/healthz never answered 200", server.api);
            thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// The printed callback URL of `path`.
    fn url(&self, path: &str) -> &str {
        self.callbacks
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, url)| url.as_str())
            .unwrap_or_else(|| panic!("no URL printed for {path}"))
    }

    /// A reading command against this server's query API.
    fn reader(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = smsgate(dir, args);
        command
            .args(["--server", &self.api])
            .env("SMSGATE_API_TOKEN", &self.api_token);
        command
    }

    /// Every stored event, through the query API.
    fn events(&self) -> Vec<Value> {
        let (status, body) = get(&format!("{}/v1/events?limit=1000", self.api), Some(&self.api_token));
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).expect("an events page");
        page["events"].as_array().expect("events").clone()
    }

    /// Kills it; the stdout after the banner and all of stderr.
    fn stop(mut self) -> (Vec<String>, String) {
        self.proc.kill();
        self.proc.rest()
    }
}

/// `smsgate serve --listen 127.0.0.1:0 --database DATABASE`, plus `args`.
fn serve(dir: &Path, database: &str, args: &[&str]) -> Command {
    let mut command = smsgate(dir, &["serve", "--listen", "127.0.0.1:0", "--database", database]);
    command.args(args);
    command
}

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// A receiver on a fresh store in `dir`, with the four seed callbacks posted.
fn seeded(dir: &Path) -> (Server, String) {
    let database = sqlite(dir, "db");
    let server = Server::start(serve(dir, &database, &[]));
    assert_acknowledged(post(server.url("/client-callback/one-api-status"), ONE_API_SENT));
    assert_acknowledged(post(server.url("/client-callback/one-api-status"), ONE_API_DELIVERED));
    assert_acknowledged(post(server.url("/client-callback/smarthive-status"), SMARTHIVE_EXAMPLE));
    assert_acknowledged(post(server.url("/client-callback/one-api-reply"), ONE_API_REPLY));
    (server, database)
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

// ---------------------------------------------------------------------------
// 1. serve prints the callback URLs and the API token, and logs neither
// ---------------------------------------------------------------------------

#[test]
fn serve_prints_every_route_once_and_never_logs_the_secrets() {
    let dir = tempdir();
    let database = sqlite(dir.path(), "db");
    let server = Server::start(serve(dir.path(), &database, &[]));

    assert_eq!(server.banner[0], format!("smsgate receiver, storing in {database}"));
    let paths: Vec<&str> = server.callbacks.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ROUTES, "each route exactly once: {:#?}", server.banner);
    let origin = server.api.clone();
    for (path, url) in &server.callbacks {
        assert_eq!(
            url,
            &format!("{origin}{path}?token={}", server.secret),
            "one secret for every route"
        );
    }
    assert!(
        server.secret.len() >= 32,
        "a generated secret is long: {}",
        server.secret
    );
    assert!(
        server.api_token.len() >= 32,
        "a generated token is long: {}",
        server.api_token
    );
    assert_ne!(server.secret, server.api_token);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l == &format!("Metrics:   {origin}/metrics")),
        "{:#?}",
        server.banner
    );

    let banner = server.banner.join("\n");
    assert_eq!(
        banner.matches(&server.secret).count(),
        6,
        "the secret only in the six URLs"
    );
    assert_eq!(banner.matches(&server.api_token).count(), 1, "the API token once");

    // Traffic that could make a careless server log its secrets: callbacks
    // with the secret in the query or as a Basic password, a wrong secret, a
    // malformed body (quarantined, logged as a warning), the query API.
    assert_acknowledged(post(server.url("/client-callback/one-api-status"), ONE_API_SENT));
    assert_acknowledged(post(server.url("/client-callback/smarthive-status"), SMARTHIVE_EXAMPLE));
    assert_acknowledged(post(
        server.url("/client-callback/clearline-status"),
        "this is not JSON",
    ));
    let basic = block_on(async {
        client()
            .post(format!("{origin}/client-callback/one-api-reply"))
            .basic_auth("smsgate", Some(&server.secret))
            .header("content-type", "application/json")
            .body(ONE_API_REPLY)
            .send()
            .await
            .expect("an answer")
            .status()
            .as_u16()
    });
    assert_eq!(basic, 200);
    let (status, _) = post(
        &format!("{origin}/client-callback/one-api-status?token=wrong"),
        ONE_API_DELIVERED,
    );
    assert_eq!(status, 401);
    let (status, _) = get(&format!("{origin}/v1/events"), Some("wrong"));
    assert_eq!(status, 401);
    let events = server.events();
    assert_eq!(events.len(), 3, "the wrong secret stored nothing: {events:#?}");
    let (status, metrics) = get(&format!("{origin}/metrics"), None);
    assert_eq!(status, 200);
    assert!(!metrics.contains(&server.secret) && !metrics.contains(&server.api_token));

    let (secret, api_token) = (server.secret.clone(), server.api_token.clone());
    let (later_stdout, stderr) = server.stop();
    assert!(stderr.contains("receiver started"), "the logs are on stderr: {stderr}");
    assert!(
        stderr.contains("quarantined"),
        "the unparseable body was logged: {stderr}"
    );
    assert!(
        !stderr.contains(&secret),
        "the callback secret is in the logs:\n{stderr}"
    );
    assert!(!stderr.contains(&api_token), "the API token is in the logs:\n{stderr}");
    let later_stdout = later_stdout.join("\n");
    assert!(
        !later_stdout.contains(&secret) && !later_stdout.contains(&api_token),
        "{later_stdout}"
    );
}

/// Providers time out and hang up; dropshot then logs a WARN line with the
/// request's URI, query string and all.
#[test]
fn the_callback_secret_stays_out_of_the_logs_when_a_provider_hangs_up() {
    let dir = tempdir();
    let server = Server::start(serve(dir.path(), &sqlite(dir.path(), "db"), &[]));
    let address = server.api.trim_start_matches("http://").to_string();
    let path = "/client-callback/one-api-status";
    for i in 0..40 {
        let body = format!(r#"{{"event": {{"messageStatusUpdate": [{{"messageId": "h{i}", "statusCode": 4}}]}}}}"#);
        let mut stream = TcpStream::connect(&address).expect("connect");
        write!(
            stream,
            "POST {path}?token={} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            server.secret,
            body.len()
        )
        .expect("send");
        drop(stream); // hang up without waiting for the answer
    }
    // The handlers run on (a request whose client left early may be dropped
    // unacknowledged, which the provider retries); wait until they are done.
    let deadline = Instant::now() + STEP;
    let mut stored = 0;
    loop {
        thread::sleep(Duration::from_millis(300));
        let now = server.events().len();
        if (now == stored && now > 0) || Instant::now() > deadline {
            break;
        }
        stored = now;
    }
    let secret = server.secret.clone();
    let (_, stderr) = server.stop();
    let leaked: Vec<&str> = stderr.lines().filter(|l| l.contains(&secret)).collect();
    assert!(
        leaked.is_empty(),
        "the callback secret is in {} log lines, e.g.\n{}",
        leaked.len(),
        leaked[0]
    );
}

// ---------------------------------------------------------------------------
// 2. messages show
// ---------------------------------------------------------------------------

#[test]
fn messages_show_prints_a_message_from_the_server_and_from_the_store() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let show = ["messages", "show", "clickatell", "m1"];

    let table = run(server.reader(dir.path(), &show)).success();
    assert_eq!(
        table.lines[0],
        "clickatell m1: delivered since 2023-11-14T22:13:25.000Z"
    );
    assert!(
        table.lines.contains(&"client message id: order-1".to_string()),
        "{table:#?}"
    );
    let header = table
        .lines
        .iter()
        .position(|l| l.starts_with("PROVIDER TIME"))
        .unwrap_or_else(|| panic!("no table header: {table:#?}"));
    let header_line = &table.lines[header];
    for column in ["STATUS", "RAW STATUS", "RAW CODE", "DESCRIPTION", "RECEIVED"] {
        assert!(header_line.contains(column), "{header_line}");
    }
    let rows: Vec<Vec<&str>> = table.lines[header + 1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "both events, in provider-time order: {table:#?}");
    assert_eq!(
        rows[0][..5],
        ["2023-11-14T22:13:20.000Z", "sent", "SENT_TO_SUPPLIER", "4", "-"]
    );
    assert_eq!(
        rows[1][..5],
        ["2023-11-14T22:13:25.000Z", "delivered", "DEVICE_ACK", "5", "-"]
    );
    for row in &rows {
        assert_eq!(row.len(), 6, "{row:?}");
        assert!(
            row[5].ends_with('Z') && row[5].len() == 24,
            "RECEIVED is a UTC time: {row:?}"
        );
    }

    let mut json_show = show.to_vec();
    json_show.push("--json");
    let from_server = parse_json(&run(server.reader(dir.path(), &json_show)).success().stdout());
    assert_eq!(from_server["provider"], "clickatell");
    assert_eq!(from_server["message_id"], "m1");
    assert_eq!(from_server["client_message_id"], "order-1");
    assert_eq!(from_server["status"], "delivered");
    assert_eq!(from_server["status_at"], 1_700_000_005_000_i64);
    let events = from_server["events"].as_array().expect("events");
    assert_eq!(events.len(), 2, "{from_server:#}");
    assert_eq!(events[0]["status"], "sent");
    assert_eq!(events[0]["raw_status"], "SENT_TO_SUPPLIER");
    assert_eq!(events[0]["raw_code"], "4");
    assert_eq!(events[0]["occurred_at"], 1_700_000_000_000_i64);
    assert_eq!(events[0]["channel"], "sms");
    assert_eq!(events[1]["status"], "delivered");
    assert_eq!(events[1]["raw_code"], "5");
    assert!(events[1]["received_at"].is_i64(), "{from_server:#}");
    // The query API's own answer, unchanged.
    let (status, body) = get(
        &format!("{}/v1/messages/clickatell/m1", server.api),
        Some(&server.api_token),
    );
    assert_eq!(status, 200);
    assert_eq!(from_server, parse_json(&body));

    // The same from the store itself, while the receiver still runs.
    let mut direct = json_show.clone();
    direct.extend(["--database", &database]);
    let from_store = parse_json(&run(smsgate(dir.path(), &direct)).success().stdout());
    assert_eq!(from_store, from_server);
    let mut direct_table = show.to_vec();
    direct_table.extend(["--database", &database]);
    assert_eq!(run(smsgate(dir.path(), &direct_table)).success().lines, table.lines);

    // SmartHive's documented example, as stored.
    let smarthive = parse_json(
        &run(server.reader(dir.path(), &["messages", "show", "smarthive", "jyd823-23n", "--json"]))
            .success()
            .stdout(),
    );
    assert_eq!(smarthive["status"], "delivered");
    assert_eq!(
        smarthive["status_at"], 1_699_131_420_000_i64,
        "202311042057 read as UTC"
    );
    assert_eq!(smarthive["events"][0]["raw_status"], "DELIVRD");
    assert_eq!(smarthive["events"][0]["raw_code"], "err:000");
    assert_eq!(smarthive["events"][0]["description"], "DELIVERED");

    // An inbound message is not an outbound message, from either source.
    let stderr = run(server.reader(dir.path(), &["messages", "show", "clickatell", "r1"])).failure();
    assert!(stderr.contains("no message r1 from clickatell"), "{stderr}");
    let stderr = run(smsgate(
        dir.path(),
        &["messages", "show", "clickatell", "r1", "--database", &database],
    ))
    .failure();
    assert!(stderr.contains("no message r1 from clickatell"), "{stderr}");
}

// ---------------------------------------------------------------------------
// 3. events tail
// ---------------------------------------------------------------------------

#[test]
fn events_tail_prints_every_event_once_and_resumes_after_a_cursor() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());

    let json_lines = run(server.reader(dir.path(), &["events", "tail", "--json"]))
        .success()
        .lines;
    let events: Vec<Value> = json_lines.iter().map(|l| parse_json(l)).collect();
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            assert!(e.is_object(), "{e}");
            (
                e["kind"].as_str().expect("kind"),
                e["provider"].as_str().expect("provider"),
                e["message_id"].as_str().expect("message_id"),
            )
        })
        .collect();
    assert_eq!(seen, SEEDED, "every stored event once, in commit order");
    assert_eq!(events[0]["status"], "sent");
    assert_eq!(events[1]["status"], "delivered");
    assert_eq!(events[2]["status"], "delivered");
    assert_eq!(events[3]["type"], "text");
    assert_eq!(events[3]["text"], "Thanks!");
    assert_eq!(events[3]["from"], "27821234567");
    assert_eq!(events[3]["related_message_id"], "m1");
    let cursors: Vec<&str> = events.iter().map(|e| e["cursor"].as_str().expect("cursor")).collect();
    assert_eq!(
        cursors.iter().collect::<BTreeSet<_>>().len(),
        4,
        "distinct cursors: {cursors:?}"
    );
    // The query API's own feed, unchanged.
    assert_eq!(events, server.events());

    // The store gives the same lines.
    let direct = run(smsgate(
        dir.path(),
        &["events", "tail", "--json", "--database", &database],
    ))
    .success();
    assert_eq!(direct.lines, json_lines);

    // The table: a header, then one row per event, led by its cursor.
    let table = run(server.reader(dir.path(), &["events", "tail"])).success().lines;
    assert_eq!(table.len(), 5, "{table:#?}");
    let header: Vec<&str> = table[0].split_whitespace().collect();
    assert_eq!(header[..4], ["CURSOR", "KIND", "PROVIDER", "MESSAGE"], "{table:#?}");
    for (row, (cursor, (kind, provider, message))) in table[1..].iter().zip(cursors.iter().zip(SEEDED)) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[..4], [*cursor, kind, provider, message], "{row}");
    }
    assert!(
        table[2].contains("delivered") && table[2].contains("DEVICE_ACK"),
        "{}",
        table[2]
    );
    assert!(table[3].contains("2023-11-04T20:57:00.000Z"), "{}", table[3]);
    assert!(table[4].contains("from 27821234567: Thanks!"), "{}", table[4]);

    // --after continues from a cursor; after the last one, nothing.
    let after = run(server.reader(dir.path(), &["events", "tail", "--json", "--after", cursors[1]])).success();
    assert_eq!(after.lines, json_lines[2..]);
    let after = run(smsgate(
        dir.path(),
        &[
            "events",
            "tail",
            "--json",
            "--after",
            cursors[1],
            "--database",
            &database,
        ],
    ))
    .success();
    assert_eq!(after.lines, json_lines[2..]);
    let after = run(server.reader(dir.path(), &["events", "tail", "--after", cursors[3]])).success();
    assert_eq!(after.lines, Vec::<String>::new(), "nothing after the last cursor");

    let stderr = run(server.reader(dir.path(), &["events", "tail", "--after", "garbage"])).failure();
    assert!(stderr.contains("bad cursor `garbage`"), "{stderr}");
}

// ---------------------------------------------------------------------------
// 4. events tail --follow
// ---------------------------------------------------------------------------

#[test]
fn events_tail_follow_prints_new_events_as_they_arrive() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let follow = ["events", "tail", "--follow", "--json", "--poll-ms", "100"];
    let through_api = Proc::spawn(server.reader(dir.path(), &follow));
    let mut direct = follow.to_vec();
    direct.extend(["--database", &database]);
    let through_store = Proc::spawn(smsgate(dir.path(), &direct));

    for follower in [&through_api, &through_store] {
        for (kind, provider, message) in SEEDED {
            let line = follower.line(STEP).expect("a follower keeps running");
            let event = parse_json(&line);
            let seen = (
                event["kind"].as_str(),
                event["provider"].as_str(),
                event["message_id"].as_str(),
            );
            assert_eq!(seen, (Some(kind), Some(provider), Some(message)), "{line}");
        }
    }

    let posted = Instant::now();
    assert_acknowledged(post(server.url("/client-callback/smarthive-status"), SMARTHIVE_LATE));
    for follower in [&through_api, &through_store] {
        let line = follower
            .maybe_line(Duration::from_secs(5))
            .expect("the new event within 5 s");
        let event = parse_json(&line);
        assert_eq!(event["kind"], "status");
        assert_eq!(event["provider"], "smarthive");
        assert_eq!(event["message_id"], "late-1");
        assert_eq!(event["status"], "undelivered");
        assert_eq!(event["raw_code"], "err:001");
    }
    assert!(posted.elapsed() < Duration::from_secs(5));
    // Several more polls print nothing again.
    for follower in [&through_api, &through_store] {
        assert_eq!(follower.maybe_line(Duration::from_millis(600)), None, "each event once");
    }
    drop(through_api);
    drop(through_store);
}

// ---------------------------------------------------------------------------
// 5. Restart: the secrets persist; the environment overrides them
// ---------------------------------------------------------------------------

#[test]
fn a_restart_keeps_the_generated_secrets_and_the_environment_overrides_them() {
    let dir = tempdir();
    let database = sqlite(dir.path(), "db");
    let mut first = Server::start(serve(dir.path(), &database, &[]));
    let (secret, api_token) = (first.secret.clone(), first.api_token.clone());
    assert_acknowledged(post(first.url("/client-callback/one-api-status"), ONE_API_SENT));
    // Ctrl-C finishes cleanly.
    let status = first.proc.interrupt();
    assert!(status.success(), "serve exits 0 on Ctrl-C: {status:?}");
    let (_, stderr) = first.proc.rest();
    assert!(stderr.contains("shutting down"), "{stderr}");

    let second = Server::start(serve(dir.path(), &database, &[]));
    assert_eq!(second.secret, secret, "the generated secret is kept in the store");
    assert_eq!(
        second.api_token, api_token,
        "the generated API token is kept in the store"
    );
    assert_acknowledged(post(second.url("/client-callback/one-api-status"), ONE_API_DELIVERED));
    assert_eq!(second.events().len(), 2, "the first run's event survived the restart");
    second.stop();

    let mut command = serve(dir.path(), &database, &[]);
    command
        .env("SMSGATE_CALLBACK_TOKEN", "abc")
        .env("SMSGATE_API_TOKEN", "xyz");
    let third = Server::start(command);
    assert_eq!(third.secret, "abc");
    assert!(
        third.callbacks.iter().all(|(_, url)| url.ends_with("?token=abc")),
        "{:#?}",
        third.banner
    );
    assert_eq!(third.api_token, "xyz");
    assert!(
        !third.banner.join("\n").contains(&secret),
        "the stored secret is not printed"
    );
    assert_acknowledged(post(third.url("/client-callback/smarthive-status"), SMARTHIVE_EXAMPLE));
    let old = third
        .url("/client-callback/smarthive-status")
        .replace("token=abc", &format!("token={secret}"));
    assert_eq!(
        post(&old, SMARTHIVE_EXAMPLE).0,
        401,
        "the stored secret no longer works"
    );
    let (status, _) = get(&format!("{}/v1/events", third.api), Some(&api_token));
    assert_eq!(status, 401, "the stored API token no longer works");
    assert_eq!(third.events().len(), 3);
    third.stop();

    // The environment did not replace what the store keeps.
    let fourth = Server::start(serve(dir.path(), &database, &[]));
    assert_eq!(
        (fourth.secret.as_str(), fourth.api_token.as_str()),
        (secret.as_str(), api_token.as_str())
    );
    fourth.stop();

    let mut command = serve(dir.path(), &database, &[]);
    command.env("SMSGATE_CALLBACK_TOKEN", "  ");
    let stderr = run(command).failure();
    assert!(stderr.contains("SMSGATE_CALLBACK_TOKEN is set but empty"), "{stderr}");
}

// ---------------------------------------------------------------------------
// 6. Settings: flag > SMSGATE_* > --config file > default; bad input
// ---------------------------------------------------------------------------

/// Starts `command` (a `serve`), returns the database it says it stores in
/// and the printed callback URL of the SMS status route; stops it.
fn storing_in(command: Command) -> (String, String) {
    let server = Server::start(command);
    let database = server.banner[0]
        .strip_prefix("smsgate receiver, storing in ")
        .unwrap_or_else(|| panic!("{:#?}", server.banner))
        .to_string();
    let url = server.url("/client-callback/sms-status").to_string();
    server.stop();
    (database, url)
}

#[test]
fn settings_come_from_flag_then_env_then_config_file_then_default() {
    let dir = tempdir();
    let d = dir.path();
    let config = d.join("smsgate.toml");
    let (file_db, env_db, flag_db) = (sqlite(d, "file.db"), sqlite(d, "env.db"), sqlite(d, "flag.db"));
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\ndatabase = \"{file_db}\"\npublic-url = \"https://sms.example.com/\"\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // The file alone.
    let (database, url) = storing_in(smsgate(d, &["serve", "--config", config]));
    assert_eq!(database, file_db);
    assert!(d.join("file.db").exists());
    assert!(
        url.starts_with("https://sms.example.com/client-callback/sms-status?token="),
        "public-url from the file, trailing slash trimmed: {url}"
    );
    // The file named by SMSGATE_CONFIG.
    let mut command = smsgate(d, &["serve"]);
    command.env("SMSGATE_CONFIG", config);
    assert_eq!(storing_in(command).0, file_db);
    // The environment over the file.
    let mut command = smsgate(d, &["serve", "--config", config]);
    command
        .env("SMSGATE_DATABASE", &env_db)
        .env("SMSGATE_PUBLIC_URL", "https://env.example.com");
    let (database, url) = storing_in(command);
    assert_eq!(database, env_db);
    assert!(url.starts_with("https://env.example.com/client-callback/"), "{url}");
    assert!(d.join("env.db").exists());
    // A flag over the environment.
    let mut command = smsgate(d, &["serve", "--config", config, "--database", &flag_db]);
    command.env("SMSGATE_DATABASE", &env_db);
    assert_eq!(storing_in(command).0, flag_db);
    assert!(d.join("flag.db").exists());
    // Defaults: sqlite:smsgate.db in the working directory, http://LISTEN.
    let (database, url) = storing_in(smsgate(d, &["serve", "--listen", "127.0.0.1:0"]));
    assert_eq!(database, "sqlite:smsgate.db");
    assert!(d.join("smsgate.db").exists());
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.starts_with("http://127.0.0.1:0/"),
        "{url}"
    );

    // The file's listen address is used (a bad one says so); env and flag win over it.
    let bad_listen = d.join("bad-listen.toml");
    std::fs::write(&bad_listen, format!("listen = \"nowhere\"\ndatabase = \"{file_db}\"\n")).unwrap();
    let bad_listen = bad_listen.to_str().unwrap();
    let stderr = run(smsgate(d, &["serve", "--config", bad_listen])).failure();
    assert!(stderr.contains("`nowhere`"), "{stderr}");
    let mut command = smsgate(d, &["serve", "--config", bad_listen]);
    command.env("SMSGATE_LISTEN", "127.0.0.1:0");
    assert_eq!(storing_in(command).0, file_db);
    let mut command = smsgate(d, &["serve", "--config", bad_listen, "--listen", "127.0.0.1:0"]);
    command.env("SMSGATE_LISTEN", "also nowhere");
    assert_eq!(storing_in(command).0, file_db);

    // The file's body limit is used; a flag overrides it.
    let limits = d.join("limits.toml");
    std::fs::write(&limits, format!("body-limit = 0\ndatabase = \"{file_db}\"\n")).unwrap();
    let limits = limits.to_str().unwrap();
    let stderr = run(smsgate(d, &["serve", "--listen", "127.0.0.1:0", "--config", limits])).failure();
    assert!(stderr.contains("--body-limit 0"), "{stderr}");
    let server = Server::start(smsgate(
        d,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            limits,
            "--body-limit",
            "100",
        ],
    ));
    let (status, _) = post(server.url("/client-callback/one-api-status"), ONE_API_SENT);
    assert_eq!(status, 413, "ONE_API_SENT is over 100 bytes");
    assert_acknowledged(post(
        server.url("/client-callback/smarthive-status"),
        r#"{"msg_id": "s"}"#,
    ));
    server.stop();

    // Reading commands take `database` from the same file.
    let reading = d.join("reading.toml");
    std::fs::write(&reading, format!("database = \"{flag_db}\"\n")).unwrap();
    let out = run(smsgate(
        d,
        &["events", "tail", "--json", "--config", reading.to_str().unwrap()],
    ))
    .success();
    assert_eq!(out.lines, Vec::<String>::new(), "flag.db is empty");
}

#[test]
fn reading_commands_take_the_server_from_the_config_file_and_env() {
    let dir = tempdir();
    let (server, _) = seeded(dir.path());
    let config = dir.path().join("reading.toml");
    std::fs::write(&config, format!("server = \"{}/\"\n", server.api)).unwrap();
    let config = config.to_str().unwrap();

    let mut command = smsgate(dir.path(), &["events", "tail", "--json", "--config", config]);
    command.env("SMSGATE_API_TOKEN", &server.api_token);
    assert_eq!(run(command).success().lines.len(), 4);

    let mut command = smsgate(dir.path(), &["events", "tail", "--json"]);
    command
        .env("SMSGATE_SERVER", &server.api)
        .env("SMSGATE_API_TOKEN", &server.api_token);
    assert_eq!(run(command).success().lines.len(), 4);

    // Without the token, or with a wrong one, it says so and shows no token.
    let stderr = run(smsgate(dir.path(), &["events", "tail", "--config", config])).failure();
    assert!(stderr.contains("SMSGATE_API_TOKEN"), "{stderr}");
    let mut command = smsgate(dir.path(), &["events", "tail", "--config", config]);
    command.env("SMSGATE_API_TOKEN", "not-the-token-4f9a");
    let stderr = run(command).failure();
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains("not-the-token-4f9a"),
        "the token is in an error message: {stderr}"
    );
}

/// A flag chooses the source even when the environment names the other one
/// (a shell with SMSGATE_DATABASE set for `serve`, say).
#[test]
fn a_source_flag_beats_the_other_source_in_the_environment() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let empty = sqlite(dir.path(), "empty.db");

    let mut command = server.reader(dir.path(), &["messages", "show", "clickatell", "m1", "--json"]);
    command.env("SMSGATE_DATABASE", &empty);
    assert_eq!(parse_json(&run(command).success().stdout())["status"], "delivered");

    let mut command = smsgate(
        dir.path(),
        &[
            "messages",
            "show",
            "clickatell",
            "m1",
            "--json",
            "--database",
            &database,
        ],
    );
    command.env("SMSGATE_SERVER", "http://127.0.0.1:9");
    assert_eq!(parse_json(&run(command).success().stdout())["status"], "delivered");
}

/// `--database` on the command line reads the store even when the config
/// file names a server.
#[test]
fn a_source_flag_beats_the_config_file() {
    let dir = tempdir();
    let (_server, database) = seeded(dir.path());
    let config = dir.path().join("reading.toml");
    std::fs::write(&config, "server = \"http://127.0.0.1:9\"\n").unwrap();
    let out = run(smsgate(
        dir.path(),
        &[
            "messages",
            "show",
            "clickatell",
            "m1",
            "--json",
            "--config",
            config.to_str().unwrap(),
            "--database",
            &database,
        ],
    ))
    .success();
    assert_eq!(parse_json(&out.stdout())["status"], "delivered");
}

#[test]
fn bad_input_exits_non_zero_with_a_clear_message() {
    let dir = tempdir();
    let d = dir.path();
    let database = sqlite(d, "db");

    let stderr = run(smsgate(d, &["serve", "--listen", "nonsense", "--database", &database])).failure();
    assert!(stderr.contains("invalid --listen `nonsense`"), "{stderr}");
    assert!(stderr.contains("IP address and port, e.g. 127.0.0.1:8080"), "{stderr}");

    let stderr = run(serve(d, &database, &["--api-listen", "localhost"])).failure();
    assert!(stderr.contains("invalid --api-listen `localhost`"), "{stderr}");

    let stderr = run(serve(d, &database, &["--body-limit", "0"])).failure();
    assert!(stderr.contains("invalid --body-limit 0"), "{stderr}");
    let stderr = run(serve(d, &database, &["--body-timeout", "0"])).failure();
    assert!(
        stderr.contains("invalid --body-timeout 0: expected a number of seconds"),
        "{stderr}"
    );
    assert!(stderr.contains("above 0"), "{stderr}");

    let stderr = run(serve(d, &database, &["--commit-batch", "0"])).failure();
    assert!(stderr.contains("invalid --commit-batch 0"), "{stderr}");

    let stderr = run(smsgate(d, &["messages", "show", "foo", "x", "--database", &database])).failure();
    assert!(stderr.contains("unknown provider `foo`"), "{stderr}");
    for provider in ["clickatell", "smarthive", "clearline"] {
        assert!(stderr.contains(provider), "lists {provider}: {stderr}");
    }

    let stderr = run(smsgate(
        d,
        &["messages", "show", "clickatell", "nope", "--database", &database],
    ))
    .failure();
    assert!(stderr.contains("no message nope from clickatell"), "{stderr}");

    let unknown_key = d.join("unknown.toml");
    std::fs::write(
        &unknown_key,
        "listen = \"127.0.0.1:0\"\nlisten-address = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let stderr = run(smsgate(d, &["serve", "--config", unknown_key.to_str().unwrap()])).failure();
    assert!(stderr.contains("unknown.toml is not valid"), "{stderr}");
    assert!(stderr.contains("unknown field `listen-address`"), "{stderr}");
    assert!(
        stderr.contains("api-listen, database, body-limit"),
        "lists the keys: {stderr}"
    );

    let stderr = run(smsgate(d, &["serve", "--config", "missing.toml"])).failure();
    assert!(stderr.contains("cannot read config file missing.toml"), "{stderr}");

    let not_toml = d.join("not.toml");
    std::fs::write(&not_toml, "listen = \n").unwrap();
    let stderr = run(smsgate(d, &["events", "tail", "--config", not_toml.to_str().unwrap()])).failure();
    assert!(stderr.contains("not.toml is not valid"), "{stderr}");

    // clap's own errors: exit 2 with usage.
    let out = run(smsgate(d, &["serve", "--body-limit", "lots"]));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(
        out.stderr.contains("invalid value 'lots' for '--body-limit"),
        "{out:#?}"
    );
    let out = run(smsgate(d, &["messages", "show", "clickatell"]));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("<MESSAGE_ID>"), "{out:#?}");
    let out = run(smsgate(d, &["frobnicate"]));
    assert_eq!(out.status.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("unrecognized subcommand 'frobnicate'"), "{out:#?}");

    // Nothing failed half-way into serving.
    assert!(
        !d.join("smsgate.db").exists(),
        "no default store was created by a failed command"
    );
}

// ---------------------------------------------------------------------------
// A separate query API listener
// ---------------------------------------------------------------------------

#[test]
fn api_listen_keeps_the_query_api_off_the_callback_port() {
    let dir = tempdir();
    let server = Server::start(serve(
        dir.path(),
        &sqlite(dir.path(), "db"),
        &["--api-listen", "127.0.0.1:0"],
    ));
    let callback_origin = {
        let url = server.url("/client-callback/one-api-status");
        url[..url.find("/client-callback/").unwrap()].to_string()
    };
    assert_ne!(callback_origin, server.api, "two listeners: {:#?}", server.banner);
    assert_acknowledged(post(server.url("/client-callback/one-api-status"), ONE_API_SENT));
    assert_eq!(server.events().len(), 1);
    let (status, _) = get(&format!("{callback_origin}/v1/events"), Some(&server.api_token));
    assert_eq!(status, 404, "no query API on the callback port");
    let (status, _) = get(&format!("{callback_origin}/metrics"), None);
    assert_eq!(status, 404, "no metrics on the callback port");
    assert_eq!(get(&format!("{callback_origin}/healthz"), None).0, 200);
    let (status, metrics) = get(&format!("{}/metrics", server.api), None);
    assert_eq!(status, 200);
    assert!(!metrics.is_empty());
    let (status, _) = post(
        &format!("{}/client-callback/one-api-status?token={}", server.api, server.secret),
        ONE_API_SENT,
    );
    assert_eq!(status, 404, "no callbacks on the query API port");
    server.stop();
}

// ---------------------------------------------------------------------------
// 6b. quarantine list / replay
// ---------------------------------------------------------------------------

/// Stores `request` as quarantined "by an older version", straight in the store.
fn quarantine(
    database: &str,
    provider: smsgate_normalize::Provider,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) {
    block_on(async {
        let store = smsgate_store::open(database).await.expect("the store opens");
        let ingest = smsgate_store::Ingest {
            raw: smsgate_store::RawRequest {
                provider,
                method: method.into(),
                path: path.into(),
                query: query.map(str::to_string),
                content_type: Some("application/json".into()),
                body: body.to_vec(),
                received_at: 1_700_000_000_000,
            },
            parsed: smsgate_store::Parsed::Quarantined {
                error: "rejected by an older version".into(),
            },
        };
        let outcome = store.ingest(ingest).await.expect("stored");
        assert!(outcome.quarantined);
    });
}

#[test]
fn quarantine_replay_stores_what_now_parses_once_and_keeps_the_rest() {
    use smsgate_normalize::Provider;
    let dir = tempdir();
    let d = dir.path();
    let database = sqlite(d, "db");
    let clearline = "/client-callback/clearline-status";
    quarantine(
        &database,
        Provider::Clearline,
        "POST",
        clearline,
        None,
        br#"{"messageId": "7c2e9a", "deliveryStatus": "Delivered", "reasonText": "Delivered to handset"}"#,
    );
    quarantine(&database, Provider::Clearline, "POST", clearline, None, b"not json {");
    quarantine(
        &database,
        Provider::Clickatell,
        "GET",
        "/client-callback/sms-status",
        Some("messageId=g1&statusCode=004&status=RECEIVED_BY_RECIPIENT&timestamp=1700000000123"),
        b"",
    );
    let db = ["--database", database.as_str()];
    let command = |args: &[&str]| {
        let mut command = smsgate(d, args);
        command.args(db);
        command
    };

    let listed = run(command(&["quarantine", "list"])).success().lines;
    assert_eq!(listed.len(), 4, "a header and three rows: {listed:#?}");
    assert!(
        listed[0].starts_with("ID") && listed[0].contains("ERROR"),
        "{listed:#?}"
    );
    assert!(
        listed[1].starts_with("1 ") && listed[1].contains("clearline"),
        "{listed:#?}"
    );
    assert!(listed[1].contains(clearline) && listed[1].contains("rejected by an older version"));
    assert!(
        listed[3].contains("GET") && listed[3].contains("2023-11-14T22:13:20.000Z"),
        "{listed:#?}"
    );
    let json = parse_json(&run(command(&["quarantine", "list", "--json"])).success().stdout());
    assert_eq!(json.as_array().map(Vec::len), Some(3), "{json}");
    assert_eq!(json[1]["body"], "not json {");

    // A dry run says what it would do and stores nothing.
    let dry = run(command(&["quarantine", "replay", "--dry-run"])).success().lines;
    assert_eq!(
        dry.last().unwrap(),
        "would replay 2, still quarantined 1 (dry run: nothing stored)",
        "{dry:#?}"
    );
    assert_eq!(
        run(command(&["quarantine", "list", "--json"]))
            .success()
            .stdout()
            .matches("\"id\"")
            .count(),
        3
    );

    let replayed = run(command(&["quarantine", "replay"])).success().lines;
    assert_eq!(replayed.len(), 4, "{replayed:#?}");
    assert!(replayed[0].starts_with("replayed #1 clearline POST"), "{replayed:#?}");
    assert!(replayed[0].contains("stored 1 status events"), "{replayed:#?}");
    assert!(
        replayed[1].starts_with("still quarantined #2 clearline"),
        "{replayed:#?}"
    );
    assert!(replayed[2].starts_with("replayed #3 clickatell GET"), "{replayed:#?}");
    assert_eq!(replayed[3], "replayed 2, still quarantined 1");

    let shown = run(command(&["messages", "show", "clearline", "7c2e9a"]))
        .success()
        .stdout();
    assert!(shown.contains("clearline 7c2e9a: delivered"), "{shown}");
    assert!(shown.contains("Delivered to handset"), "{shown}");
    let shown = run(command(&["messages", "show", "clickatell", "g1"]))
        .success()
        .stdout();
    assert!(shown.contains("clickatell g1: delivered"), "{shown}");
    let events = run(command(&["events", "tail", "--json"])).success().lines;
    assert_eq!(events.len(), 2, "each event once in the feed: {events:#?}");

    let listed = run(command(&["quarantine", "list"])).success().lines;
    assert_eq!(listed.len(), 2, "only the unparseable one is left: {listed:#?}");
    assert!(listed[1].starts_with("2 "), "{listed:#?}");

    // Replaying again finds nothing new to store.
    let again = run(command(&["quarantine", "replay"])).success().lines;
    assert_eq!(again.last().unwrap(), "replayed 0, still quarantined 1", "{again:#?}");
    assert_eq!(run(command(&["events", "tail", "--json"])).success().lines.len(), 2);
}

#[test]
fn quarantine_commands_read_only_the_store() {
    let dir = tempdir();
    let d = dir.path();
    let database = sqlite(d, "db");
    let empty = run(smsgate(d, &["quarantine", "replay", "--database", &database]))
        .success()
        .lines;
    assert_eq!(empty, ["replayed 0, still quarantined 0"]);
    let mut command = smsgate(d, &["quarantine", "list"]);
    command.env("SMSGATE_DATABASE", &database);
    assert_eq!(
        run(command).success().lines,
        ["ID  PROVIDER  METHOD  PATH  RECEIVED  ERROR"]
    );
    let error = run(smsgate(d, &["quarantine", "list", "--server", "http://127.0.0.1:1"])).failure();
    assert!(error.contains("--server"), "{error}");
}

// ---------------------------------------------------------------------------
// 7. Help
// ---------------------------------------------------------------------------

#[test]
fn help_lists_the_commands_and_options() {
    let dir = tempdir();
    let d = dir.path();
    let help = run(smsgate(d, &["--help"])).success().stdout();
    for word in [
        "serve",
        "messages",
        "events",
        "quarantine",
        "--config",
        "SMSGATE_CONFIG",
        "--help",
        "--version",
    ] {
        assert!(help.contains(word), "`smsgate --help` mentions {word}:\n{help}");
    }

    let help = run(smsgate(d, &["serve", "--help"])).success().stdout();
    for word in [
        "--listen",
        "--api-listen",
        "--database",
        "--body-limit",
        "--body-timeout",
        "--public-url",
        "--config",
        "SMSGATE_LISTEN",
        "SMSGATE_DATABASE",
        "127.0.0.1:8080",
        "sqlite:smsgate.db",
        "1048576",
    ] {
        assert!(help.contains(word), "`smsgate serve --help` mentions {word}:\n{help}");
    }

    let help = run(smsgate(d, &["messages", "show", "--help"])).success().stdout();
    for word in [
        "<PROVIDER>",
        "<MESSAGE_ID>",
        "--json",
        "--server",
        "--database",
        "SMSGATE_API_TOKEN",
    ] {
        assert!(
            help.contains(word),
            "`smsgate messages show --help` mentions {word}:\n{help}"
        );
    }

    let help = run(smsgate(d, &["events", "tail", "--help"])).success().stdout();
    for word in ["--follow", "--json", "--after", "--poll-ms", "--server", "--database"] {
        assert!(
            help.contains(word),
            "`smsgate events tail --help` mentions {word}:\n{help}"
        );
    }

    let help = run(smsgate(d, &["quarantine", "--help"])).success().stdout();
    for word in ["list", "replay"] {
        assert!(
            help.contains(word),
            "`smsgate quarantine --help` mentions {word}:\n{help}"
        );
    }
    let help = run(smsgate(d, &["quarantine", "replay", "--help"])).success().stdout();
    for word in ["--dry-run", "--database", "SMSGATE_DATABASE"] {
        assert!(
            help.contains(word),
            "`smsgate quarantine replay --help` mentions {word}:\n{help}"
        );
    }

    let version = run(smsgate(d, &["--version"])).success().stdout();
    assert_eq!(version, format!("smsgate {}\n", env!("CARGO_PKG_VERSION")));
}
