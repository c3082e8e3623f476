//! The body limit: a declared `Content-Length` over it is refused before the
//! body is read, a chunked body is counted as it streams; both 413, nothing
//! stored. Auth comes first. The body timeout: a body still incomplete when
//! it runs out gets 408, nothing stored; one that breaks off (the client
//! hangs up) is counted as unreadable, not as too large.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use smsgate_test_support::receiver::{Options, REQUEST_TIMEOUT, TestReceiver, metric, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::routes::*;

const LIMIT: usize = 1024;

fn report_head(id: &str) -> String {
    format!(r#"{{"msg_id":"{id}","status":"DELIVRD","timestamp":"202311042057","desc":""#)
}
const REPORT_TAIL: &str = r#""}"#;

/// A valid SmartHive report of exactly `size` bytes, padded in `desc`.
fn report_of_size(id: &str, size: usize) -> Vec<u8> {
    let head = report_head(id);
    let body = format!(
        "{head}{}{REPORT_TAIL}",
        "x".repeat(size - head.len() - REPORT_TAIL.len())
    );
    assert_eq!(body.len(), size);
    body.into_bytes()
}

/// `bytes` as a chunked body (no Content-Length), in chunks of `chunk` bytes.
fn chunked(bytes: Vec<u8>, chunk: usize) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(chunk).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(futures::stream::iter(chunks))
}

/// A connection that sent the headers of a 200-byte SmartHive report and
/// half its body, and nothing more yet.
async fn half_a_report(r: &TestReceiver, id: &str) -> TcpStream {
    let body = report_of_size(id, 200);
    let head = format!(
        "POST {SMARTHIVE_STATUS}?token={} HTTP/1.1\r\nHost: smsgate\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        r.secret,
        body.len()
    );
    let mut stream = TcpStream::connect(r.callback_base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    stream
}

async fn small_receiver() -> TestReceiver {
    TestReceiver::start_with(Options {
        body_limit: LIMIT,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_and_nothing_is_stored() {
    let r = small_receiver().await;
    let reply = r.post(SMARTHIVE_STATUS, report_of_size("big-1", LIMIT + 1)).await;
    reply.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let reply = r.post(SMARTHIVE_STATUS, report_of_size("big-2", 64 * LIMIT)).await;
    reply.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.message().contains("1024"), "says the limit: {}", reply.text);
    r.assert_nothing_stored().await;
    let metrics = r.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "smsgate_callbacks_received_total",
            "provider=\"smarthive\",outcome=\"too_large\""
        ),
        Some(2.0),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_body_at_the_limit_is_accepted() {
    let r = small_receiver().await;
    r.post(SMARTHIVE_STATUS, report_of_size("at-limit", LIMIT))
        .await
        .assert_ack();
    let message = r.message("smarthive", "at-limit").await;
    assert_eq!(message["status"], "delivered");
    let padding = LIMIT - report_head("at-limit").len() - REPORT_TAIL.len();
    assert_eq!(message["events"][0]["description"], "x".repeat(padding));
}

#[tokio::test]
async fn a_chunked_body_is_counted_as_it_streams() {
    let r = small_receiver().await;
    let over = send(
        r.http
            .post(r.callback_url(SMARTHIVE_STATUS))
            .query(&[("token", r.secret.as_str())])
            .header(CONTENT_TYPE, "application/json")
            .body(chunked(report_of_size("chunked-big", 3 * LIMIT), 256)),
    )
    .await;
    over.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_nothing_stored().await;

    for (id, size) in [("chunked-at-limit", LIMIT), ("chunked-small", 200)] {
        let reply = send(
            r.http
                .post(r.callback_url(SMARTHIVE_STATUS))
                .query(&[("token", r.secret.as_str())])
                .header(CONTENT_TYPE, "application/json")
                .body(chunked(report_of_size(id, size), 100)),
        )
        .await;
        reply.assert_ack();
        assert_eq!(r.message("smarthive", id).await["status"], "delivered");
    }
    assert_eq!(r.events().await.len(), 2);
}

#[tokio::test]
async fn auth_is_checked_before_the_size() {
    let r = small_receiver().await;
    let reply = send(
        r.http
            .post(r.callback_url(SMARTHIVE_STATUS))
            .query(&[("token", "wrong")])
            .body(report_of_size("big", 4 * LIMIT)),
    )
    .await;
    reply.assert_status(StatusCode::UNAUTHORIZED);
    r.assert_nothing_stored().await;
}

#[tokio::test]
async fn the_default_limit_is_one_mebibyte_not_dropshots_1024_bytes() {
    let r = TestReceiver::start().await;
    const MIB: usize = 1024 * 1024;
    r.post(SMARTHIVE_STATUS, report_of_size("eight-kib", 8 * 1024))
        .await
        .assert_ack();
    r.post(SMARTHIVE_STATUS, report_of_size("one-mib", MIB))
        .await
        .assert_ack();
    r.post(SMARTHIVE_STATUS, report_of_size("over", MIB + 1))
        .await
        .assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let ids: Vec<String> = r
        .events()
        .await
        .iter()
        .map(|e| e["message_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["eight-kib", "one-mib"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_still_incomplete_after_the_timeout_is_408_and_nothing_is_stored() {
    let r = TestReceiver::start_with(Options {
        body_timeout: Duration::from_millis(500),
        ..Options::default()
    })
    .await;
    let mut stream = half_a_report(&r, "stalled-1").await;
    // Then nothing more: the answer comes once the timeout has run out.
    let mut answer = Vec::new();
    let read_head = async {
        let mut buffer = [0; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(
                n > 0,
                "closed without an answer: {:?}",
                String::from_utf8_lossy(&answer)
            );
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(REQUEST_TIMEOUT, read_head)
        .await
        .expect("an answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    r.assert_nothing_stored().await;
    let metrics = r.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "smsgate_callbacks_received_total",
            "provider=\"smarthive\",outcome=\"timed_out\""
        ),
        Some(1.0),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_client_hanging_up_mid_body_is_counted_as_unreadable_not_as_too_large() {
    let r = small_receiver().await;
    drop(half_a_report(&r, "hung-up-1").await);
    let label = |outcome: &str| format!("provider=\"smarthive\",outcome=\"{outcome}\"");
    let counted = async {
        loop {
            let metrics = r.metrics().await;
            if let Some(count) = metric(&metrics, "smsgate_callbacks_received_total", &label("unreadable_body")) {
                break (count, metrics);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (count, metrics) = tokio::time::timeout(REQUEST_TIMEOUT, counted)
        .await
        .expect("an unreadable_body outcome in /metrics");
    assert_eq!(count, 1.0, "{metrics}");
    assert_eq!(
        metric(&metrics, "smsgate_callbacks_received_total", &label("too_large")),
        None,
        "{metrics}"
    );
    r.assert_nothing_stored().await;
}
