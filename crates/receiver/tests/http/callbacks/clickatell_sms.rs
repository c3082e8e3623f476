//! Clickatell's SMS callbacks, status and reply, by GET query string and by
//! POST JSON: the code kept as sent, numbers and strings read either way,
//! ISO 8601 times, and replies stored as inbound text messages.

use reqwest::StatusCode;
use serde_json::{Value, json};
use smsgate_test_support::receiver::TestReceiver;

use super::status_item;
use crate::support::routes::*;
use crate::support::{feed_without_cursors, now_ms, without_times};

#[tokio::test]
async fn clickatell_sms_status_by_get_keeps_the_code_as_sent() {
    let r = TestReceiver::start().await;
    let from = now_ms();
    r.get_callback(
        SMS_STATUS,
        &[
            ("integrationName", "acme"),
            ("messageId", "sms-get-1"),
            ("requestId", "req-1"),
            ("clientMessageId", "order-17"),
            ("to", "27820000001"),
            ("from", "27820000000"),
            ("statusCode", "004"),
            ("status", "RECEIVED_BY_RECIPIENT"),
            ("statusDescription", "Received by recipient"),
            ("timestamp", "1700000000123"),
        ],
    )
    .await
    .assert_ack();
    let to = now_ms();

    let message = without_times(r.message("clickatell", "sms-get-1").await, from, to);
    let expected = json!({
        "provider": "clickatell",
        "message_id": "sms-get-1",
        "client_message_id": "order-17",
        "to": "27820000001",
        "from": "27820000000",
        "status": "delivered",
        "status_at": 1_700_000_000_123_i64,
        "events": [{
            "status": "delivered",
            "raw_status": "RECEIVED_BY_RECIPIENT",
            "raw_code": "004",
            "description": "Received by recipient",
            "occurred_at": 1_700_000_000_123_i64,
            "channel": "sms",
        }],
    });
    assert_eq!(message, expected);
    assert_eq!(
        feed_without_cursors(&r.events().await, from, to),
        vec![status_item(&expected, &expected["events"][0])]
    );
    assert_eq!(r.inbound().await, Vec::<Value>::new());

    let raw = r.raw_requests();
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].method, "GET");
    assert_eq!(raw[0].path, SMS_STATUS);
    assert_eq!(
        raw[0].query.as_deref(),
        Some(
            "integrationName=acme&messageId=sms-get-1&requestId=req-1&clientMessageId=order-17&to=27820000001\
             &from=27820000000&statusCode=004&status=RECEIVED_BY_RECIPIENT\
             &statusDescription=Received+by+recipient&timestamp=1700000000123"
        ),
        "the query is stored as sent, without the token"
    );
    assert_eq!(raw[0].body, b"");
    assert_eq!(raw[0].quarantine_error, None);
}

#[tokio::test]
async fn clickatell_sms_status_by_post_reads_numbers_strings_and_iso_times() {
    let r = TestReceiver::start().await;
    let from = now_ms();
    let sent = json!({
        "integrationName": "acme",
        "messageId": "sms-post-1",
        "requestId": "req-2",
        "clientMessageId": "order-18",
        "to": "27820000002",
        "from": "27820000000",
        "statusCode": 3,
        "status": "DELIVERED_TO_GATEWAY",
        "statusDescription": "Delivered to gateway",
        "timestamp": "2023-11-14T22:13:20.123Z",
        "newField": {"nested": true},
    });
    r.post_json(SMS_STATUS, &sent).await.assert_ack();
    // The code as a zero-padded string, the time as milliseconds in a string.
    let delivered = json!({
        "messageId": "sms-post-1",
        "statusCode": "004",
        "status": "RECEIVED_BY_RECIPIENT",
        "timestamp": "1700000060000",
    });
    r.post_json(SMS_STATUS, &delivered).await.assert_ack();
    let to = now_ms();

    let message = without_times(r.message("clickatell", "sms-post-1").await, from, to);
    let expected = json!({
        "provider": "clickatell",
        "message_id": "sms-post-1",
        "client_message_id": "order-18",
        "to": "27820000002",
        "from": "27820000000",
        "status": "delivered",
        "status_at": 1_700_000_060_000_i64,
        "events": [
            {
                "status": "sent",
                "raw_status": "DELIVERED_TO_GATEWAY",
                "raw_code": "3",
                "description": "Delivered to gateway",
                "occurred_at": 1_700_000_000_123_i64,
                "channel": "sms",
            },
            {
                "status": "delivered",
                "raw_status": "RECEIVED_BY_RECIPIENT",
                "raw_code": "004",
                "description": null,
                "occurred_at": 1_700_000_060_000_i64,
                "channel": "sms",
            },
        ],
    });
    assert_eq!(message, expected);
    let feed = feed_without_cursors(&r.events().await, from, to);
    let mut second = status_item(&expected, &expected["events"][1]);
    // The second callback carried no clientMessageId.
    second["client_message_id"] = Value::Null;
    assert_eq!(feed, vec![status_item(&expected, &expected["events"][0]), second]);

    let raw = r.raw_requests();
    assert_eq!(raw.len(), 2);
    assert_eq!(raw[0].method, "POST");
    assert_eq!(raw[0].query, None, "only the token was in the query");
    assert_eq!(raw[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        raw[0].body,
        serde_json::to_vec(&sent).unwrap(),
        "the body is kept byte for byte"
    );
}

#[tokio::test]
async fn clickatell_sms_replies_by_get_and_post_are_inbound_text_messages() {
    let r = TestReceiver::start().await;
    let from = now_ms();
    let params = [
        ("integrationName", "acme"),
        ("replyMessageId", "mo-get-1"),
        ("messageId", "sms-post-1"),
        ("fromNumber", "27820000002"),
        ("toNumber", "27820000000"),
        ("timestamp", "1700000100000"),
        ("text", "Yes, please & thanks"),
        ("charset", "UTF-8"),
        ("network", "1"),
        ("keyword", "YES"),
    ];
    r.get_callback(SMS_REPLY, &params).await.assert_ack();
    let posted = json!({
        "integrationName": "acme",
        "replyMessageId": "mo-post-1",
        "messageId": "sms-post-2",
        "fromNumber": "27820000003",
        "toNumber": "27820000000",
        "timestamp": 1_700_000_200_000_i64,
        "text": "Stop",
        "charset": "UTF-8",
        "udh": "",
        "network": "1",
        "keyword": "STOP",
        "carrier": {"name": "Vodacom"},
    });
    r.post_json(SMS_REPLY, &posted).await.assert_ack();
    let to = now_ms();

    // A GET reply's payload is its query parameters (strings), token removed.
    let get_payload: serde_json::Map<String, Value> =
        params.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    let expected = vec![
        json!({
            "provider": "clickatell",
            "message_id": "mo-get-1",
            "related_message_id": "sms-post-1",
            "from": "27820000002",
            "to": "27820000000",
            "channel": "sms",
            "type": "text",
            "text": "Yes, please & thanks",
            "occurred_at": 1_700_000_100_000_i64,
            "payload": Value::Object(get_payload),
        }),
        json!({
            "provider": "clickatell",
            "message_id": "mo-post-1",
            "related_message_id": "sms-post-2",
            "from": "27820000003",
            "to": "27820000000",
            "channel": "sms",
            "type": "text",
            "text": "Stop",
            "occurred_at": 1_700_000_200_000_i64,
            "payload": posted,
        }),
    ];
    let inbound = r.inbound().await;
    assert_eq!(feed_without_cursors(&inbound, from, to), expected);
    // The events feed carries the same messages, as kind "inbound", with the same cursors.
    let events = r.events().await;
    assert_eq!(
        events.iter().map(|e| e["cursor"].clone()).collect::<Vec<_>>(),
        inbound.iter().map(|m| m["cursor"].clone()).collect::<Vec<_>>()
    );
    let as_events: Vec<Value> = expected
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m["kind"] = json!("inbound");
            m
        })
        .collect();
    assert_eq!(feed_without_cursors(&events, from, to), as_events);
    // /v1/messages answers only for outbound messages.
    r.api("/v1/messages/clickatell/mo-get-1")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
