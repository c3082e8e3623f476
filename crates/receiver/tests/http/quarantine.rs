//! Authenticated bodies that cannot be parsed: acknowledged (a retry would
//! not fix them), kept raw with their error, listed by `/v1/quarantine`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use smsgate_test_support::receiver::{TestReceiver, metric, send};

use crate::support::now_ms;
use crate::support::routes::*;

#[tokio::test]
async fn unparseable_bodies_are_acknowledged_and_quarantined() {
    let r = TestReceiver::start().await;
    let non_utf8: &[u8] = b"\xff\xfe\x00{\"messageId\": \x80}";
    let cases: Vec<(&str, &str, Vec<u8>, &str, String)> = vec![
        // (route, provider, body, error contains, body as listed)
        (SMARTHIVE_STATUS, "smarthive", b"".to_vec(), "empty body", String::new()),
        (
            CLEARLINE_STATUS,
            "clearline",
            b" \r\n\t".to_vec(),
            "empty body",
            " \r\n\t".into(),
        ),
        (
            CLEARLINE_STATUS,
            "clearline",
            b"not json".to_vec(),
            "not JSON",
            "not json".into(),
        ),
        (
            ONE_API_STATUS,
            "clickatell",
            b"[1,2]".to_vec(),
            "not an object",
            "[1,2]".into(),
        ),
        (
            SMS_STATUS,
            "clickatell",
            b"\"x\"".to_vec(),
            "not an object",
            "\"x\"".into(),
        ),
        (SMS_REPLY, "clickatell", b"[]".to_vec(), "not an object", "[]".into()),
        (
            SMARTHIVE_STATUS,
            "smarthive",
            b"42".to_vec(),
            "not an object",
            "42".into(),
        ),
        (
            ONE_API_REPLY,
            "clickatell",
            non_utf8.to_vec(),
            "not JSON",
            STANDARD.encode(non_utf8),
        ),
        // An object, but without the id of the message it is about.
        (
            SMARTHIVE_STATUS,
            "smarthive",
            br#"{"status": "DELIVRD"}"#.to_vec(),
            "msg_id",
            r#"{"status": "DELIVRD"}"#.into(),
        ),
    ];
    let from = now_ms();
    for (path, _, body, _, _) in &cases {
        let reply = r.post(path, body.clone()).await;
        reply.assert_ack();
    }
    let to = now_ms();

    let listed = r.quarantine().await;
    assert_eq!(listed.len(), cases.len(), "{listed:#?}");
    let mut previous_id = 0;
    for ((path, provider, _, error, body), item) in cases.iter().zip(&listed) {
        let object = item.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["body", "error", "id", "method", "path", "provider", "received_at"]
        );
        assert_eq!(item["provider"], *provider, "{item}");
        assert_eq!(item["method"], "POST");
        assert_eq!(item["path"], *path);
        assert_eq!(item["body"], body.as_str(), "{item}");
        let message = item["error"].as_str().unwrap();
        assert!(message.contains(error), "error {message:?} should mention {error:?}");
        let id = item["id"].as_i64().unwrap();
        assert!(id > previous_id, "oldest first");
        previous_id = id;
        let received_at = item["received_at"].as_i64().unwrap();
        assert!((from..=to).contains(&received_at));
    }
    // Nothing became an event; every request is kept raw, bytes as sent.
    assert_eq!(r.events().await, Vec::<Value>::new());
    let raw = r.raw_requests();
    assert_eq!(raw.len(), cases.len());
    for ((_, _, body, _, _), row) in cases.iter().zip(&raw) {
        assert_eq!(&row.body, body);
        assert!(row.quarantine_error.is_some());
    }
    let metrics = r.metrics().await;
    let quarantined = |provider: &str| {
        metric(
            &metrics,
            "smsgate_callbacks_received_total",
            &format!("provider=\"{provider}\",outcome=\"quarantined\""),
        )
    };
    assert_eq!(
        (
            quarantined("clickatell"),
            quarantined("smarthive"),
            quarantined("clearline")
        ),
        (Some(4.0), Some(3.0), Some(2.0)),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_get_callback_without_its_id_is_quarantined_too() {
    let r = TestReceiver::start().await;
    let reply = send(
        r.http
            .get(r.callback_url(SMS_REPLY))
            .query(&[("text", "who am I answering?"), ("token", r.secret.as_str())]),
    )
    .await;
    reply.assert_ack();
    let listed = r.quarantine().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["method"], "GET");
    assert_eq!(listed[0]["path"], SMS_REPLY);
    assert!(
        listed[0]["error"].as_str().unwrap().contains("replyMessageId"),
        "{}",
        listed[0]
    );
    assert_eq!(
        r.raw_requests()[0].query.as_deref(),
        Some("text=who+am+I+answering%3F"),
        "the query is what a GET callback sent"
    );
}
