//! The request checks themselves: each way a request can break is caught
//! by `SpecOperation::assert_sent`, so that a passing operation test means
//! something.

use serde_json::json;

use crate::KEY;
use crate::exchange::strings;
use crate::spec_operation::{Payload, SpecOperation};
use crate::support::capture_server::CapturedRequest;

/// A request as the spec wants it for `operation_id` of the Clickatell SMS
/// API, with the payload it was built from.
fn conforming_request(operation_id: &str) -> (SpecOperation, CapturedRequest, Payload) {
    let spec = SpecOperation::load("clickatell-sms-api", operation_id);
    let accept = ("accept".to_string(), "application/json".to_string());
    let (target, headers, body, payload) = match operation_id {
        "sendMessageREST_1" => (
            "/messages".to_string(),
            vec![
                accept,
                header("content-type", "application/json"),
                header("authorization", KEY),
            ],
            br#"{"to":["27820000000"]}"#.to_vec(),
            Payload::Json(json!({"to": ["27820000000"]})),
        ),
        "sendMessageHTTP" => (
            format!("/messages/http/send?content=a+%26+b&to=27820000000&apiKey={KEY}"),
            vec![accept],
            Vec::new(),
            Payload::Query(strings(&[("to", "27820000000"), ("content", "a & b")])),
        ),
        other => panic!("no conforming request for {other}"),
    };
    let request = CapturedRequest {
        method: spec.method.clone(),
        target,
        version: "HTTP/1.1".into(),
        headers,
        body,
    };
    (spec, request, payload)
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// Each way a request can break is caught by `assert_sent`, so the
/// operation tests above can fail.
#[test]
fn the_checks_catch_broken_requests() {
    type Break = fn(&mut CapturedRequest);
    let rest: &[(&str, Break)] = &[
        ("method", |r| r.method = "PUT".into()),
        ("path", |r| r.target = "/message".into()),
        ("api-version", |r| r.headers.push(header("api-version", "1.0.0"))),
        ("no key", |r| r.headers.retain(|(n, _)| n != "authorization")),
        ("other key value", |r| r.headers[2].1 = "another-key".into()),
        ("Bearer key", |r| r.headers[2].1 = format!("Bearer {KEY}")),
        ("key twice", |r| r.headers.push(header("authorization", KEY))),
        ("key in another header", |r| r.headers.push(header("x-api-key", KEY))),
        ("key in the query", |r| r.target = format!("/messages?apiKey={KEY}")),
        ("key in the body", |r| {
            r.body = format!(r#"{{"to":["27820000000"],"k":"{KEY}"}}"#).into_bytes()
        }),
        ("content type", |r| r.headers[1].1 = "text/plain".into()),
        ("body", |r| {
            r.body = br#"{"to":["27820000000"],"content":null}"#.to_vec()
        }),
        ("query parameter", |r| r.target = "/messages?to=27820000000".into()),
    ];
    let http: &[(&str, Break)] = &[
        ("method", |r| r.method = "POST".into()),
        ("no key", |r| {
            r.target = "/messages/http/send?content=a+%26+b&to=27820000000".into()
        }),
        ("key name", |r| r.target = r.target.replace("apiKey=", "apikey=")),
        ("key twice", |r| r.target.push_str(&format!("&apiKey={KEY}"))),
        ("key in a header", |r| r.headers.push(header("authorization", KEY))),
        ("Basic auth", |r| r.headers.push(header("authorization", "Basic dTpw"))),
        ("parameter value", |r| r.target = r.target.replace("a+%26+b", "a")),
        ("parameter missing", |r| {
            r.target = r.target.replace("to=27820000000&", "")
        }),
        ("extra parameter", |r| r.target.push_str("&from=1")),
        ("body", |r| r.body = b"{}".to_vec()),
        ("api-version", |r| r.headers.push(header("api-version", "1.0.0"))),
    ];
    for (operation_id, breaks) in [("sendMessageREST_1", rest), ("sendMessageHTTP", http)] {
        let (spec, request, payload) = conforming_request(operation_id);
        spec.assert_sent(&request, &payload);
        for (what, break_it) in breaks {
            let mut broken = request.clone();
            break_it(&mut broken);
            let caught = std::panic::catch_unwind(|| spec.assert_sent(&broken, &payload));
            assert!(
                caught.is_err(),
                "{operation_id}: a broken {what} passes the checks: {broken:?}"
            );
        }
    }
}
