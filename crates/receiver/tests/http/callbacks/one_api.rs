//! Clickatell One API callbacks: status updates, fallbacks, typing and
//! unknown event types (counted, not stored), several events in one body,
//! and replies of every inbound type and an unknown one.

use serde_json::{Value, json};
use smsgate_test_support::receiver::{TestReceiver, metric};

use crate::support::routes::*;
use crate::support::{feed_without_cursors, now_ms, one_api_status, without_times};

#[tokio::test]
async fn one_api_status_updates_fallbacks_typing_and_unknown_events() {
    let r = TestReceiver::start().await;
    let from = now_ms();
    // messageStatusUpdate, the code as a number.
    r.post_json(
        ONE_API_STATUS,
        &one_api_status("oa-1", 5, "DEVICE_ACK", 1_700_000_300_000),
    )
    .await
    .assert_ack();
    // ...and as a zero-padded string.
    let mut read = one_api_status("oa-1", 6, "READ", 1_700_000_301_000);
    read["event"]["messageStatusUpdate"][0]["statusCode"] = json!("006");
    r.post_json(ONE_API_STATUS, &read).await.assert_ack();
    // messageFallback: raw status kept, `unknown` unless it names a known status;
    // statusDescription typed int32 upstream, sent as a number here.
    let fallback = json!({"integrationId": "int-1", "event": {"messageFallback": [
        {"channel": "whatsapp", "messageId": "oa-2", "clientMessageId": "client-oa-2",
         "status": "FALLBACK_TO_SMS", "statusDescription": "WhatsApp undeliverable, sent as SMS",
         "timestamp": 1_700_000_302_000_i64},
        {"channel": "sms", "messageId": "oa-3", "status": "SENT_TO_SUPPLIER", "statusDescription": 17,
         "timestamp": 1_700_000_303_000_i64},
    ]}});
    r.post_json(ONE_API_STATUS, &fallback).await.assert_ack();
    // statusIsTyping and an event type newer than our spec: kept raw, no events.
    let typing = json!({"integrationId": "int-1", "event": {"statusIsTyping": [
        {"channel": "whatsapp", "from": "27820000002", "timestamp": 1_700_000_304_000_i64}
    ]}});
    r.post_json(ONE_API_STATUS, &typing).await.assert_ack();
    let unknown = json!({"integrationId": "int-1", "event": {"messageReaction": [
        {"channel": "whatsapp", "messageId": "oa-1", "emoji": "👍", "timestamp": 1_700_000_305_000_i64}
    ]}});
    r.post_json(ONE_API_STATUS, &unknown).await.assert_ack();
    let to = now_ms();

    let oa1 = without_times(r.message("clickatell", "oa-1").await, from, to);
    assert_eq!(
        oa1,
        json!({
            "provider": "clickatell",
            "message_id": "oa-1",
            "client_message_id": "client-oa-1",
            "to": null,
            "from": null,
            "status": "read",
            "status_at": 1_700_000_301_000_i64,
            "events": [
                {"status": "delivered", "raw_status": "DEVICE_ACK", "raw_code": "5", "description": null,
                 "occurred_at": 1_700_000_300_000_i64, "channel": "whatsapp"},
                {"status": "read", "raw_status": "READ", "raw_code": "006", "description": null,
                 "occurred_at": 1_700_000_301_000_i64, "channel": "whatsapp"},
            ],
        })
    );
    let oa2 = without_times(r.message("clickatell", "oa-2").await, from, to);
    assert_eq!(
        oa2,
        json!({
            "provider": "clickatell",
            "message_id": "oa-2",
            "client_message_id": "client-oa-2",
            "to": null,
            "from": null,
            "status": "unknown",
            "status_at": 1_700_000_302_000_i64,
            "events": [
                {"status": "unknown", "raw_status": "FALLBACK_TO_SMS", "raw_code": null,
                 "description": "WhatsApp undeliverable, sent as SMS",
                 "occurred_at": 1_700_000_302_000_i64, "channel": "whatsapp"},
            ],
        })
    );
    let oa3 = without_times(r.message("clickatell", "oa-3").await, from, to);
    assert_eq!(
        oa3["status"], "sent",
        "a fallback whose status names a known one: {oa3}"
    );
    assert_eq!(oa3["events"][0]["description"], "17");
    assert_eq!(oa3["events"][0]["raw_status"], "SENT_TO_SUPPLIER");

    let feed = r.events().await;
    assert_eq!(feed.len(), 4, "two updates and two fallbacks: {feed:#?}");
    assert!(feed.iter().all(|e| e["kind"] == "status"));
    // All five callbacks are kept raw, none quarantined.
    let raw = r.raw_requests();
    assert_eq!(raw.len(), 5);
    assert!(raw.iter().all(|row| row.quarantine_error.is_none()));
    assert_eq!(r.quarantine().await, Vec::<Value>::new());
    let metrics = r.metrics().await;
    assert_eq!(
        metric(&metrics, "smsgate_ignored_event_types_total", "provider=\"clickatell\""),
        Some(2.0),
        "statusIsTyping and messageReaction are counted:\n{metrics}"
    );
}

#[tokio::test]
async fn one_api_status_with_several_events_in_one_body() {
    let r = TestReceiver::start().await;
    let from = now_ms();
    let body = json!({"integrationId": "int-1", "integrationName": "acme", "event": {
        "messageStatusUpdate": [
            {"channel": "sms", "messageId": "oa-5", "status": "QUEUED", "statusCode": 2, "timestamp": 1_700_000_400_000_i64},
            {"channel": "sms", "messageId": "oa-5", "status": "SENT_TO_SUPPLIER", "statusCode": 4, "timestamp": 1_700_000_401_000_i64},
            {"channel": "rcs", "messageId": "oa-6", "status": "DELIVERY_FAILURE", "statusCode": 23, "timestamp": 1_700_000_402_000_i64},
        ],
        "messageFallback": [
            {"channel": "whatsapp", "messageId": "oa-7", "status": "FALLBACK", "timestamp": 1_700_000_403_000_i64},
        ],
        "statusIsTyping": [{"channel": "whatsapp", "from": "27820000002"}],
        "messageReaction": [{"messageId": "oa-5", "emoji": "👍"}],
    }});
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    // A top-level array is a batch of callbacks.
    let batch = json!([
        one_api_status("oa-8", 5, "DEVICE_ACK", 1_700_000_404_000),
        one_api_status("oa-9", 6, "READ", 1_700_000_405_000),
    ]);
    r.post_json(ONE_API_STATUS, &batch).await.assert_ack();
    let to = now_ms();

    let feed = feed_without_cursors(&r.events().await, from, to);
    let summary: Vec<(String, String, String)> = feed
        .iter()
        .map(|e| {
            (
                e["message_id"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
                e["channel"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = [
        ("oa-5", "accepted", "sms"),
        ("oa-5", "sent", "sms"),
        ("oa-6", "undelivered", "rcs"),
        ("oa-7", "unknown", "whatsapp"),
        ("oa-8", "delivered", "whatsapp"),
        ("oa-9", "read", "whatsapp"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(summary, expected);
    let oa5 = r.message("clickatell", "oa-5").await;
    assert_eq!(oa5["status"], "sent");
    assert_eq!(oa5["status_at"], 1_700_000_401_000_i64);
    assert_eq!(oa5["events"].as_array().unwrap().len(), 2);
    let oa6 = r.message("clickatell", "oa-6").await;
    assert_eq!(
        (&oa6["status"], &oa6["events"][0]["raw_code"]),
        (&json!("undelivered"), &json!("23"))
    );
    assert_eq!(r.raw_requests().len(), 2);
    let metrics = r.metrics().await;
    assert_eq!(
        metric(&metrics, "smsgate_ignored_event_types_total", "provider=\"clickatell\""),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            "smsgate_events_stored_total",
            "provider=\"clickatell\",kind=\"status\""
        ),
        Some(6.0),
        "{metrics}"
    );
}

/// An inbound view (without cursor and received_at) of One API event `item`.
fn one_api_inbound(item: &Value, kind: &str, text: Option<&str>) -> Value {
    json!({
        "provider": "clickatell",
        "message_id": item["messageId"],
        "related_message_id": item.get("relatedMessageId").cloned().unwrap_or(Value::Null),
        "from": item.get("from").cloned().unwrap_or(Value::Null),
        "to": item.get("to").cloned().unwrap_or(Value::Null),
        "channel": item.get("channel").cloned().unwrap_or(Value::Null),
        "type": kind,
        "text": text,
        "occurred_at": item.get("timestamp").cloned().unwrap_or(Value::Null),
        "payload": item,
    })
}

#[tokio::test]
async fn one_api_replies_of_every_inbound_type_and_an_unknown_one() {
    let r = TestReceiver::start().await;
    let common = |id: &str, t: i64| {
        json!({"channel": "whatsapp", "messageId": id, "relatedMessageId": "oa-1",
               "relatedClientMessageId": "client-oa-1", "from": "27820000002", "to": "27820000000",
               "timestamp": t})
    };
    let with = |mut base: Value, extra: Value| {
        base.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        base
    };
    let cases: Vec<(&str, Value, &str, Option<&str>)> = vec![
        (
            "moText",
            with(
                common("mo-text-1", 1_700_000_500_000),
                json!({"charset": "UTF-8", "content": "Hello there", "whatsapp": {"profileName": "Thandi"}}),
            ),
            "text",
            Some("Hello there"),
        ),
        (
            "moMedia",
            with(
                common("mo-media-1", 1_700_000_501_000),
                json!({"caption": "The receipt", "files": [{
                    "contentType": "image/jpeg",
                    "downloadUrl": "https://platform.clickatell.com/v1/media/3f1c",
                    "sha256Hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "byteSize": 48213,
                    "fileName": "receipt.jpg",
                }]}),
            ),
            "media",
            Some("The receipt"),
        ),
        (
            "moLocation",
            with(
                common("mo-location-1", 1_700_000_502_000),
                json!({"locationName": "Clickatell HQ", "locationAddress": "Cape Town",
                       "latitude": "-33.9249", "latitute": "-33.9249", "longitude": "18.4241"}),
            ),
            "location",
            Some("Clickatell HQ"),
        ),
        (
            "moContacts",
            with(
                common("mo-contacts-1", 1_700_000_503_000),
                json!({"contacts": [{
                    "name": {"formatted_name": "Thandi Mokoena", "first_name": "Thandi"},
                    "birthday": "1990-05-17",
                    "phones": [{"phone": "+27820000003", "type": "CELL"}],
                }]}),
            ),
            "contacts",
            None,
        ),
        (
            "moSuggestedResponse",
            with(
                common("mo-suggested-1", 1_700_000_504_000),
                json!({"channel": "rcs", "postbackData": "yes", "content": "Yes"}),
            ),
            "suggested_response",
            Some("Yes"),
        ),
        (
            "moListPickerResponse",
            with(
                common("mo-list-1", 1_700_000_505_000),
                json!({"postbackData": "menu", "selectedItems": [{"postbackData": "item-2", "content": "Large pizza"}]}),
            ),
            "list_picker",
            Some("Large pizza"),
        ),
        (
            "moButtonResponse",
            with(
                common("mo-button-1", 1_700_000_506_000),
                json!({"postbackData": "btn", "selectedItem": {"postbackData": "confirm", "content": "Confirm"}}),
            ),
            "button",
            Some("Confirm"),
        ),
        (
            "moReaction",
            with(common("mo-reaction-1", 1_700_000_507_000), json!({"emoji": "👍"})),
            "unknown",
            None,
        ),
    ];
    let from = now_ms();
    for (event_type, item, _, _) in &cases {
        let body = json!({"integrationId": "int-1", "integrationName": "acme", "event": {*event_type: [item]}});
        r.post_json(ONE_API_REPLY, &body).await.assert_ack();
    }
    let to = now_ms();

    let expected: Vec<Value> = cases
        .iter()
        .map(|(_, item, kind, text)| one_api_inbound(item, kind, *text))
        .collect();
    assert_eq!(feed_without_cursors(&r.inbound().await, from, to), expected);
    let events = r.events().await;
    assert_eq!(events.len(), cases.len());
    assert!(events.iter().all(|e| e["kind"] == "inbound"), "{events:#?}");
    // The payload keeps the media files and the misspelled `latitute`.
    let inbound = r.inbound().await;
    assert_eq!(inbound[1]["payload"]["files"][0]["byteSize"], 48213);
    assert_eq!(inbound[2]["payload"]["latitute"], "-33.9249");
}
