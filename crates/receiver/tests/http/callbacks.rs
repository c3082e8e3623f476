//! Every provider's callbacks: acknowledged with `{"status":"ok"}`, then
//! visible through `/v1/messages`, `/v1/events` and `/v1/inbound` with the
//! contract's shapes and the raw values as sent.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::routes::*;
use crate::support::{Receiver, feed_without_cursors, metric, now_ms, one_api_status, upstream, without_times};

/// A status feed item (without cursor and received_at) for a message view's
/// event of `message`.
fn status_item(message: &Value, event: &Value) -> Value {
    json!({
        "kind": "status",
        "provider": message["provider"],
        "message_id": message["message_id"],
        "client_message_id": message["client_message_id"],
        "status": event["status"],
        "raw_status": event["raw_status"],
        "raw_code": event["raw_code"],
        "description": event["description"],
        "occurred_at": event["occurred_at"],
        "channel": event["channel"],
    })
}

#[tokio::test]
async fn clickatell_sms_status_by_get_keeps_the_code_as_sent() {
    let r = Receiver::start().await;
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
    let r = Receiver::start().await;
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
    let r = Receiver::start().await;
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

#[tokio::test]
async fn one_api_status_updates_fallbacks_typing_and_unknown_events() {
    let r = Receiver::start().await;
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
    let r = Receiver::start().await;
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
    let r = Receiver::start().await;
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

/// SmartHive's callback page, verbatim: its example body (with the trailing
/// comma) is what SmartHive sends.
fn smarthive_documented_example() -> String {
    let page = upstream("smarthive/002_e463ac632014d8f7.txt");
    let block = page
        .split("```")
        .find(|block| block.contains("\"msg_id\""))
        .expect("the page has the example");
    let body = block.trim().to_string();
    assert!(body.starts_with('{') && body.ends_with('}'), "{body}");
    assert!(
        body.contains("\"DELIVERED\",\n}"),
        "the example as published has a trailing comma: {body}"
    );
    body
}

#[tokio::test]
async fn smarthive_documented_example_as_published() {
    let r = Receiver::start().await;
    let body = smarthive_documented_example();
    let from = now_ms();
    r.post(SMARTHIVE_STATUS, body.clone()).await.assert_ack();
    let to = now_ms();
    let expected = json!({
        "provider": "smarthive",
        "message_id": "jyd823-23n",
        "client_message_id": null,
        "to": null,
        "from": null,
        "status": "delivered",
        // 2023-11-04 20:57 UTC
        "status_at": 1_699_131_420_000_i64,
        "events": [{
            "status": "delivered",
            "raw_status": "DELIVRD",
            "raw_code": "err:000",
            "description": "DELIVERED",
            "occurred_at": 1_699_131_420_000_i64,
            "channel": "sms",
        }],
    });
    assert_eq!(
        without_times(r.message("smarthive", "jyd823-23n").await, from, to),
        expected
    );
    assert_eq!(
        feed_without_cursors(&r.events().await, from, to),
        vec![status_item(&expected, &expected["events"][0])]
    );
    assert_eq!(r.raw_requests()[0].body, body.as_bytes(), "kept byte for byte");
}

#[tokio::test]
async fn smarthive_reports_with_numbers_and_a_batch() {
    let r = Receiver::start().await;
    // Numbers where the page says strings, and a field it does not list.
    let report = json!({"msg_id": "sh-2", "status": "UNDELIV", "dlr_code": 1, "timestamp": 202_311_042_100_i64,
                        "str_length": 157, "pg_length": 1, "cost": 3.0, "desc": "UNDELIVERABLE", "operator": "MTN"});
    r.post_json(SMARTHIVE_STATUS, &report).await.assert_ack();
    let batch = json!([
        {"msg_id": "sh-3", "status": "EXPIRED", "dlr_code": "err:027", "timestamp": "202311042101"},
        {"msg_id": "sh-4", "status": "REJECTD", "dlr_code": "err:010", "timestamp": "202311042102"},
    ]);
    r.post_json(SMARTHIVE_STATUS, &batch).await.assert_ack();
    let sh2 = r.message("smarthive", "sh-2").await;
    assert_eq!(sh2["status"], "undelivered");
    assert_eq!(sh2["status_at"], 1_699_131_600_000_i64);
    assert_eq!(sh2["events"][0]["raw_code"], "1");
    assert_eq!(r.message("smarthive", "sh-3").await["status"], "expired");
    assert_eq!(r.message("smarthive", "sh-4").await["status"], "rejected");
    assert_eq!(r.events().await.len(), 3);
}

/// ClearLine's page, verbatim: the JSON of the request "your callback URL
/// will receive".
fn clearline_documented_example() -> String {
    let page = upstream("clearline/004_cbac217a58160243.txt");
    let block = page
        .split("```")
        .find(|block| block.contains("POST {callbackUrl}"))
        .expect("the page has the callback request");
    let (_, body) = block.split_once("\n\n").expect("headers, a blank line, the body");
    body.trim().to_string()
}

#[tokio::test]
async fn clearline_documented_callback_and_real_statuses() {
    let r = Receiver::start().await;
    let body = clearline_documented_example();
    assert!(body.contains("\"externalDeliveryStatus\": \"string\""), "{body}");
    let from = now_ms();
    r.post(CLEARLINE_STATUS, body).await.assert_ack();
    let to = now_ms();
    let expected = json!({
        "provider": "clearline",
        "message_id": "string",
        "client_message_id": null,
        "to": null,
        "from": null,
        "status": "unknown",
        "status_at": null,
        "events": [{
            "status": "unknown",
            "raw_status": "string",
            "raw_code": "string",
            "description": "string",
            "occurred_at": null,
            "channel": "sms",
        }],
    });
    assert_eq!(
        without_times(r.message("clearline", "string").await, from, to),
        expected
    );
    assert_eq!(
        feed_without_cursors(&r.events().await, from, to),
        vec![status_item(&expected, &expected["events"][0])]
    );

    let cases = [
        ("cl-1", "Delivered", "Delivered", "delivered"),
        ("cl-2", "DeliveredFailed", "Failed", "undelivered"),
        ("cl-3", "DeliveredFailed", "Expired", "expired"),
        ("cl-4", "DeliveredFailed", "Rejected", "rejected"),
        ("cl-5", "DeliveredFailed", "SomethingNew", "undelivered"),
    ];
    for (id, delivery, external, _) in cases {
        let body = json!({"messageId": id, "deliveryStatus": delivery, "externalDeliveryStatus": external,
                          "reasonText": format!("gateway said {external}")});
        r.post_json(CLEARLINE_STATUS, &body).await.assert_ack();
    }
    for (id, delivery, external, status) in cases {
        let message = r.message("clearline", id).await;
        assert_eq!(message["status"], status, "{message}");
        assert_eq!(message["status_at"], Value::Null);
        let event = &message["events"][0];
        assert_eq!(
            (&event["raw_status"], &event["raw_code"], &event["description"]),
            (
                &json!(delivery),
                &json!(external),
                &json!(format!("gateway said {external}"))
            )
        );
    }
}

#[tokio::test]
async fn a_byte_order_mark_and_trailing_commas_are_read() {
    let r = Receiver::start().await;
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
    let r = Receiver::start().await;
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
