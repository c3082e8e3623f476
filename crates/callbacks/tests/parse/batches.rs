//! Batches: a JSON array is a batch of callbacks, a One API body may hold
//! several events, and one bad callback makes the whole batch unparseable.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use smsgate_callbacks::Route;
use smsgate_normalize::Status;

use crate::one_api_reply::mo_message;
use crate::payloads::{one_api, one_api_update, seven_inbound_types};
use crate::{body, err_of, try_body, with};

#[test]
fn a_json_array_is_a_batch_of_callbacks() {
    let batch = json!([
        {"messageId": "m-1", "statusCode": 3, "status": "DELIVERED_TO_GATEWAY"},
        {"messageId": "m-1", "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT"},
        {"messageId": "m-2", "statusCode": "007"},
    ]);
    let callback = body(Route::ClickatellSmsStatus, &batch);
    let got: Vec<_> = callback
        .status
        .iter()
        .map(|e| (e.message_id.as_str(), e.status, e.raw_code.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("m-1", Status::Sent, Some("3")),
            ("m-1", Status::Delivered, Some("4")),
            ("m-2", Status::Undelivered, Some("007"))
        ]
    );
    let keys: BTreeSet<_> = callback.status.iter().map(|e| e.dedup_key.as_str()).collect();
    assert_eq!(keys.len(), 3);

    let replies = json!([
        {"replyMessageId": "mo-1", "messageId": "m-1", "text": "one"},
        {"replyMessageId": "mo-2", "messageId": "m-1", "text": "two"},
    ]);
    let callback = body(Route::ClickatellSmsReply, &replies);
    assert_eq!(
        callback
            .inbound
            .iter()
            .map(|m| (m.message_id.as_str(), m.text.as_deref()))
            .collect::<Vec<_>>(),
        [("mo-1", Some("one")), ("mo-2", Some("two"))]
    );
    assert_eq!(callback.inbound[1].payload, replies[1]);

    // SmartHive and ClearLine batches, with trailing commas.
    let callback = try_body(
        Route::SmarthiveStatus,
        br#"[{"msg_id": "a", "status": "DELIVRD",}, {"msg_id": "b", "status": "EXPIRED",},]"#,
    )
    .unwrap();
    assert_eq!(
        callback
            .status
            .iter()
            .map(|e| (e.message_id.as_str(), e.status))
            .collect::<Vec<_>>(),
        [("a", Status::Delivered), ("b", Status::Expired)]
    );
    let callback = try_body(
        Route::ClearlineStatus,
        br#"[{"messageId": "a", "externalDeliveryStatus": "Rejected"}, {"messageId": "b", "deliveryStatus": "Delivered"}]"#,
    )
    .unwrap();
    assert_eq!(
        callback
            .status
            .iter()
            .map(|e| (e.message_id.as_str(), e.status))
            .collect::<Vec<_>>(),
        [("a", Status::Rejected), ("b", Status::Delivered)]
    );
}

#[test]
fn several_events_per_one_api_array_and_several_callbacks() {
    let first = one_api(json!({
        "messageStatusUpdate": [
            one_api_update(json!(2), json!("QUEUED")),
            one_api_update(json!(4), json!("SENT_TO_SUPPLIER")),
            with(&one_api_update(json!(6), json!("READ")), "messageId", json!("other")),
        ],
        "messageFallback": [{"messageId": "0d4f5e3b2a1c", "status": "FALLBACK", "statusDescription": "to SMS"}],
        "statusIsTyping": [{"from": "27820000002"}]
    }));
    let second = one_api(json!({"messageStatusUpdate": [one_api_update(json!(5), json!("DEVICE_ACK"))]}));
    let callback = body(Route::ClickatellOneApiStatus, &json!([first, second]));
    let got: Vec<_> = callback
        .status
        .iter()
        .map(|e| (e.message_id.as_str(), e.status, e.raw_status.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("0d4f5e3b2a1c", Status::Accepted, Some("QUEUED")),
            ("0d4f5e3b2a1c", Status::Sent, Some("SENT_TO_SUPPLIER")),
            ("other", Status::Read, Some("READ")),
            ("0d4f5e3b2a1c", Status::Unknown, Some("FALLBACK")),
            ("0d4f5e3b2a1c", Status::Delivered, Some("DEVICE_ACK")),
        ]
    );
    assert_eq!(callback.ignored, ["statusIsTyping"]);
    assert!(callback.inbound.is_empty());

    // Replies: several of one type and of several types.
    let types = seven_inbound_types();
    let mut event = Map::new();
    for (kind_name, item, ..) in &types {
        let second = with(
            item,
            "messageId",
            json!(format!("{}-b", item["messageId"].as_str().unwrap())),
        );
        event.insert((*kind_name).into(), json!([item, second]));
    }
    let callback = body(Route::ClickatellOneApiReply, &one_api(Value::Object(event)));
    assert!(callback.status.is_empty() && callback.ignored.is_empty());
    let mut expected = Vec::new();
    for (_, item, kind, text) in &types {
        let id = item["messageId"].as_str().unwrap();
        expected.push(mo_message(id, *kind, *text, item.clone()));
        let second_id = format!("{id}-b");
        expected.push(mo_message(
            &second_id,
            *kind,
            *text,
            with(item, "messageId", json!(second_id)),
        ));
    }
    assert_eq!(callback.inbound, expected);
}

#[test]
fn one_bad_callback_in_a_batch_makes_the_batch_unparseable() {
    let message = err_of(
        Route::ClickatellSmsStatus,
        br#"[{"messageId": "m-1"}, {"status": "DELIVERED"}]"#,
    );
    assert!(message.contains("without `messageId`"), "{message}");
    let message = err_of(Route::ClickatellSmsStatus, br#"[{"messageId": "m-1"}, 2]"#);
    assert!(message.contains("not an object"), "{message}");
}
