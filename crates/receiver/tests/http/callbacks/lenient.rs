//! What any provider may send and still be read: a UTF-8 byte order mark,
//! trailing commas, a field of the wrong type that must not lose its event.

use serde_json::{Value, json};
use smsgate_test_support::receiver::TestReceiver;

use crate::support::routes::*;

#[tokio::test]
async fn a_byte_order_mark_and_trailing_commas_are_read() {
    let r = TestReceiver::start().await;
    let body = [
        b"\xEF\xBB\xBF".as_slice(),
        br#"[{"msg_id": "bom-1", "status": "DELIVRD", "timestamp": "202311042057",},]"#,
    ]
    .concat();
    r.post(SMARTHIVE_STATUS, body).await.assert_ack();
    assert_eq!(r.message("smarthive", "bom-1").await["status"], "delivered");
    assert_eq!(r.quarantine().await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_malformed_field_does_not_lose_the_event() {
    let r = TestReceiver::start().await;
    // statusCode and timestamp that fit no type: the event is kept, mapped by
    // its status word, with the raw values as sent.
    let body = json!({"event": {"messageStatusUpdate": [{
        "messageId": "odd-1", "channel": 7, "statusCode": "n/a", "status": "device_ack", "timestamp": "yesterday",
    }]}});
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    let message = r.message("clickatell", "odd-1").await;
    assert_eq!(message["status"], "delivered", "{message}");
    assert_eq!(message["status_at"], Value::Null);
    let event = &message["events"][0];
    assert_eq!(
        (
            &event["raw_status"],
            &event["raw_code"],
            &event["occurred_at"],
            &event["channel"]
        ),
        (&json!("device_ack"), &json!("n/a"), &Value::Null, &json!("7"))
    );
    // Codes first, then words, case-insensitively.
    let cases = [
        (
            json!({"messageId": "w-1", "status": "received_by_recipient"}),
            "delivered",
        ),
        (
            json!({"messageId": "w-2", "statusCode": 4, "status": "DELIVERED_TO_GATEWAY"}),
            "delivered",
        ),
        (
            json!({"messageId": "w-3", "statusCode": 77, "status": "DELIVERED_TO_GATEWAY"}),
            "sent",
        ),
        (
            json!({"messageId": "w-4", "statusCode": 77, "status": "SOMETHING_NEW"}),
            "unknown",
        ),
        (
            json!({"messageId": "w-5", "to": {"not": "a string"}, "statusCode": "10"}),
            "expired",
        ),
    ];
    for (body, _) in &cases {
        r.post_json(SMS_STATUS, body).await.assert_ack();
    }
    for (body, status) in &cases {
        let id = body["messageId"].as_str().unwrap();
        assert_eq!(r.message("clickatell", id).await["status"], *status, "{body}");
    }
    r.post_json(SMARTHIVE_STATUS, &json!({"msg_id": "w-6", "status": "delivrd"}))
        .await
        .assert_ack();
    assert_eq!(r.message("smarthive", "w-6").await["status"], "delivered");
    assert_eq!(r.quarantine().await, Vec::<Value>::new());
}
