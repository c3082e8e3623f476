//! smsgate is usable as a dependency: `tests/importer/` is a separate crate,
//! outside this workspace, that depends on smsgate by path and uses it as a
//! service would (send one SMS with the ClearLine client, read a SmartHive
//! report). This test builds and runs it against a loopback server and checks
//! what went over the wire.
//!
//! The first run compiles smsgate and its dependencies again, into their own
//! target directory (a nested cargo on this build's target directory would
//! wait forever on its lock): a few minutes on two cores.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const KEY: &str = "importer-test-key-123";
const RESPONSE_BODY: &str = r#"{"succeed":true,"messageId":"m-42"}"#;

/// One HTTP request as the server read it.
#[derive(Debug)]
struct Recorded {
    request_line: String,
    /// Header names in lower case, in the order received.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Accepts one connection, reads one request (headers and a
/// `Content-Length` body), answers `200` with [`RESPONSE_BODY`].
async fn serve_one(listener: TcpListener) -> Recorded {
    let (mut stream, _) = listener.accept().await.expect("accept");
    let mut buf = Vec::new();
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.expect("read request");
        assert!(n > 0, "connection closed before the request's headers ended");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..header_end].to_vec()).expect("request head is UTF-8");
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("numeric Content-Length"));
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "connection closed before the request's body ended");
        body.extend_from_slice(&chunk[..n]);
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{RESPONSE_BODY}",
        RESPONSE_BODY.len()
    );
    stream.write_all(response.as_bytes()).await.expect("write response");
    stream.shutdown().await.ok();
    Recorded {
        request_line,
        headers,
        body,
    }
}

#[tokio::test]
async fn a_service_outside_the_workspace_sends_through_smsgate() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let importer = workspace.join("tests/importer");
    // Its own target directory: this one is locked by the cargo running us.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("importer");
    // The workspace's versions, and no registry look-up for what it has.
    std::fs::copy(workspace.join("Cargo.lock"), importer.join("Cargo.lock")).expect("copy Cargo.lock");

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let server = tokio::spawn(serve_one(listener));

    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(&importer)
        .args(["run", "--quiet", "--manifest-path"])
        .arg(importer.join("Cargo.toml"))
        .args(["--", &base_url, "+12025551234", "Your order is ready for pickup."])
        .env("CARGO_TARGET_DIR", &target_dir)
        // Nothing here is debugged: a build without debuginfo is quicker.
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("SMSGATE_CLEARLINE_API_KEY", KEY);
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("cargo run thread")
        .expect("start cargo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "cargo run of tests/importer took {:.1?} ({})",
        started.elapsed(),
        target_dir.display()
    );
    if !output.status.success() {
        server.abort();
        panic!(
            "cargo run of tests/importer failed: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            output.status
        );
    }
    let context = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert_eq!(
        stdout.lines().next(),
        Some("m-42"),
        "the importer prints the messageId\n{context}"
    );
    assert!(
        stdout.contains("smarthive jyd823-23n DELIVRD str_length=157"),
        "the importer reads a SmartHive report\n{context}"
    );

    let request = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server finished")
        .expect("the server did not panic");
    assert_eq!(request.request_line, "POST /MessageSender/sms HTTP/1.1", "{request:?}");
    assert_eq!(request.header("apikey"), [KEY], "{request:?}");
    assert!(request.header("api-version").is_empty(), "{request:?}");
    assert_eq!(request.header("content-type"), ["application/json"], "{request:?}");
    let body: serde_json::Value = serde_json::from_slice(&request.body).expect("the request body is JSON");
    assert_eq!(
        body,
        serde_json::json!({"phone": "+12025551234", "message": "Your order is ready for pickup."})
    );
}
