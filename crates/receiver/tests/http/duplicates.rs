//! Provider retries: the same event is stored once (the raw request each
//! time), and `/metrics` counts the duplicates per provider (and the
//! store's batches).

use serde_json::json;
use smsgate_test_support::receiver::{TestReceiver, metric};

use crate::support::one_api_status;
use crate::support::routes::*;

fn duplicates(metrics: &str, provider: &str) -> Option<f64> {
    metric(
        metrics,
        "smsgate_duplicate_events_total",
        &format!("provider=\"{provider}\""),
    )
}

fn callbacks(metrics: &str, provider: &str, outcome: &str) -> Option<f64> {
    metric(
        metrics,
        "smsgate_callbacks_received_total",
        &format!("provider=\"{provider}\",outcome=\"{outcome}\""),
    )
}

#[tokio::test]
async fn the_same_callback_three_times_is_one_event_and_two_duplicates() {
    let r = TestReceiver::start().await;
    let body = one_api_status("dup-1", 5, "DEVICE_ACK", 1_700_000_000_000);
    for _ in 0..3 {
        r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    }
    let events = r.events().await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["message_id"], "dup-1");
    assert_eq!(
        r.message("clickatell", "dup-1").await["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(r.raw_requests().len(), 3, "every delivery is kept raw");
    let metrics = r.metrics().await;
    assert_eq!(duplicates(&metrics, "clickatell"), Some(2.0), "{metrics}");
    assert_eq!(callbacks(&metrics, "clickatell", "stored"), Some(1.0), "{metrics}");
    assert_eq!(callbacks(&metrics, "clickatell", "duplicate"), Some(2.0), "{metrics}");
    // Each was answered before the next was sent: three batches of one.
    assert_eq!(
        metric(&metrics, "smsgate_store_batches_committed_total", ""),
        Some(3.0),
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "smsgate_store_batched_writes_total", ""),
        Some(3.0),
        "{metrics}"
    );
}

#[tokio::test]
async fn retries_of_every_provider_are_stored_once() {
    let r = TestReceiver::start().await;
    let smarthive = json!({"msg_id": "sh-1", "status": "DELIVRD", "dlr_code": "000", "timestamp": "202311042057"});
    let clearline = json!({"messageId": "cl-1", "deliveryStatus": "DeliveredFailed",
                           "externalDeliveryStatus": "Failed", "reasonText": "Absent subscriber"});
    let reply =
        json!({"event": {"moText": [{"messageId": "mo-1", "content": "hi", "timestamp": 1_700_000_000_000_i64}]}});
    for _ in 0..3 {
        r.post_json(SMARTHIVE_STATUS, &smarthive).await.assert_ack();
        r.post_json(CLEARLINE_STATUS, &clearline).await.assert_ack();
        r.post_json(ONE_API_REPLY, &reply).await.assert_ack();
    }
    // A Clickatell SMS status retried by the other method is the same event.
    let params = [
        ("messageId", "sms-1"),
        ("statusCode", "4"),
        ("status", "RECEIVED_BY_RECIPIENT"),
        ("timestamp", "1700000000000"),
    ];
    r.get_callback(SMS_STATUS, &params).await.assert_ack();
    r.post_json(
        SMS_STATUS,
        &json!({"messageId": "sms-1", "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT", "timestamp": "1700000000000"}),
    )
    .await
    .assert_ack();
    // An SMS reply retried as GET, then as POST: one inbound message.
    r.get_callback(SMS_REPLY, &[("replyMessageId", "mo-2"), ("text", "yes")])
        .await
        .assert_ack();
    r.post_json(SMS_REPLY, &json!({"replyMessageId": "mo-2", "text": "yes"}))
        .await
        .assert_ack();

    let ids: Vec<String> = r
        .events()
        .await
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["provider"].as_str().unwrap(),
                e["message_id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            "smarthive/sh-1",
            "clearline/cl-1",
            "clickatell/mo-1",
            "clickatell/sms-1",
            "clickatell/mo-2"
        ]
    );
    assert_eq!(r.inbound().await.len(), 2);
    let metrics = r.metrics().await;
    assert_eq!(duplicates(&metrics, "smarthive"), Some(2.0), "{metrics}");
    assert_eq!(duplicates(&metrics, "clearline"), Some(2.0), "{metrics}");
    assert_eq!(duplicates(&metrics, "clickatell"), Some(2.0 + 1.0 + 1.0), "{metrics}");
}

#[tokio::test]
async fn events_that_differ_are_not_duplicates() {
    let r = TestReceiver::start().await;
    // ClearLine sends no time: every status field tells events apart.
    for reason in ["Absent subscriber", "Network error"] {
        let body = json!({"messageId": "cl-2", "deliveryStatus": "DeliveredFailed",
                          "externalDeliveryStatus": "Failed", "reasonText": reason});
        r.post_json(CLEARLINE_STATUS, &body).await.assert_ack();
    }
    // The same status at another provider time is another event.
    r.post_json(
        ONE_API_STATUS,
        &one_api_status("oa-1", 4, "SENT_TO_SUPPLIER", 1_700_000_000_000),
    )
    .await
    .assert_ack();
    r.post_json(
        ONE_API_STATUS,
        &one_api_status("oa-1", 4, "SENT_TO_SUPPLIER", 1_700_000_000_001),
    )
    .await
    .assert_ack();
    // The same message id at two providers is two messages.
    r.post_json(
        SMARTHIVE_STATUS,
        &json!({"msg_id": "cl-2", "status": "DELIVRD", "timestamp": "202311042057"}),
    )
    .await
    .assert_ack();
    assert_eq!(r.events().await.len(), 5);
    assert_eq!(
        r.message("clearline", "cl-2").await["events"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        r.message("clickatell", "oa-1").await["status_at"],
        1_700_000_000_000_i64
    );
    assert_eq!(r.message("smarthive", "cl-2").await["status"], "delivered");
    let metrics = r.metrics().await;
    assert_eq!(duplicates(&metrics, "clearline"), Some(0.0), "{metrics}");
}

#[tokio::test]
async fn the_same_event_twice_in_one_body_is_stored_once() {
    let r = TestReceiver::start().await;
    let update =
        json!({"messageId": "twice", "statusCode": 5, "status": "DEVICE_ACK", "timestamp": 1_700_000_000_000_i64});
    let body = json!({"event": {"messageStatusUpdate": [update, update,
        {"messageId": "twice", "statusCode": 6, "status": "READ", "timestamp": 1_700_000_000_001_i64}]}});
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    let statuses: Vec<String> = r
        .events()
        .await
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["delivered", "read"]);
    let metrics = r.metrics().await;
    assert_eq!(duplicates(&metrics, "clickatell"), Some(1.0), "{metrics}");
    assert_eq!(callbacks(&metrics, "clickatell", "stored"), Some(1.0), "{metrics}");
}
