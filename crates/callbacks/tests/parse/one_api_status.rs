//! Clickatell One API status callbacks: each status code and name, the
//! leniency real traffic needs, fallbacks as status events of their message,
//! and event types that are ignored (and counted) rather than refused.

use serde_json::{Value, json};
use smsgate_callbacks::{Callback, Route};
use smsgate_normalize::{Provider, Status, StatusEvent};

use crate::payloads::{T, one_api, one_api_update};
use crate::{assert_status, body, err_of, status_of, with};

/// One API status codes (with the names the docs give) and the status each
/// maps to.
const ONE_API_CODES: [(i64, Option<&str>, Status); 20] = [
    (1, None, Status::Unknown),
    (2, Some("QUEUED"), Status::Accepted),
    (3, Some("SCHEDULED"), Status::Accepted),
    (4, Some("SENT_TO_SUPPLIER"), Status::Sent),
    (5, Some("DEVICE_ACK"), Status::Delivered),
    (6, Some("READ"), Status::Read),
    (20, Some("EXPIRED"), Status::Expired),
    (21, None, Status::Cancelled),
    (22, None, Status::Cancelled),
    (23, Some("DELIVERY_FAILURE"), Status::Undelivered),
    (25, None, Status::Rejected),
    (27, None, Status::Rejected),
    (29, None, Status::Rejected),
    (60, None, Status::Rejected),
    (71, None, Status::Rejected),
    (85, None, Status::Rejected),
    (100, Some("ROUTING_ERROR"), Status::Undelivered),
    (130, None, Status::Rejected),
    (131, None, Status::Rejected),
    (500, None, Status::Rejected),
];

#[test]
fn one_api_status_update_exactly() {
    let callback = one_api(json!({"messageStatusUpdate": [one_api_update(json!(5), json!("DEVICE_ACK"))]}));
    let event = status_of(Route::ClickatellOneApiStatus, &callback);
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Clickatell,
            message_id: "0d4f5e3b2a1c".into(),
            client_message_id: Some("order-42".into()),
            to: None,
            from: None,
            status: Status::Delivered,
            raw_status: Some("DEVICE_ACK".into()),
            raw_code: Some("5".into()),
            description: None,
            occurred_at: Some(T),
            channel: Some("whatsapp".into()),
            dedup_key: String::new(),
        },
    );
}

#[test]
fn one_api_status_codes_as_documented() {
    for (code, name, expected) in ONE_API_CODES {
        let names = [name.map(Value::from).unwrap_or(Value::Null), json!("SOMETHING_ELSE")];
        for name in names {
            for sent in [json!(code), json!(code.to_string())] {
                let callback = one_api(json!({"messageStatusUpdate": [one_api_update(sent.clone(), name.clone())]}));
                let event = status_of(Route::ClickatellOneApiStatus, &callback);
                assert_eq!(event.status, expected, "statusCode {sent} status {name}");
                assert_eq!(event.raw_code, Some(code.to_string()));
                assert_eq!(event.raw_status.as_deref(), name.as_str());
            }
        }
    }
}

#[test]
fn one_api_status_by_code_first_then_by_name() {
    let cases = [
        // The code wins.
        (json!(2), json!("READ"), Status::Accepted),
        (json!(1), json!("DEVICE_ACK"), Status::Unknown),
        // No code, an unmapped code, a malformed code: by name, case-insensitively.
        (Value::Null, json!("DEVICE_ACK"), Status::Delivered),
        (Value::Null, json!("device_ack"), Status::Delivered),
        (Value::Null, json!(" Read "), Status::Read),
        (json!(24), json!("SENT_TO_SUPPLIER"), Status::Sent),
        (json!("abc"), json!("DEVICE_ACK"), Status::Delivered),
        (json!(5.5), json!("EXPIRED"), Status::Expired),
        (json!("abc"), json!("QUEUED"), Status::Accepted),
        (Value::Null, json!("ROUTING_ERROR"), Status::Undelivered),
        (Value::Null, json!("delivered"), Status::Delivered),
        (json!(50), json!("SOMETHING_NEW"), Status::Unknown),
        (Value::Null, Value::Null, Status::Unknown),
    ];
    for (code, name, expected) in cases {
        let callback = one_api(json!({"messageStatusUpdate": [one_api_update(code.clone(), name.clone())]}));
        let event = status_of(Route::ClickatellOneApiStatus, &callback);
        assert_eq!(event.status, expected, "statusCode {code} status {name}");
        let raw = |v: &Value| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        assert_eq!(event.raw_code, raw(&code), "statusCode {code}");
        assert_eq!(event.raw_status, raw(&name), "status {name}");
        // The malformed code did not lose the other fields.
        assert_eq!(event.occurred_at, Some(T));
        assert_eq!(event.client_message_id.as_deref(), Some("order-42"));
    }
}

#[test]
fn one_api_status_leniency() {
    // Numbers as strings, strings as numbers, an unknown channel, unknown fields.
    let update = json!({
        "channel": "rcs",
        "timestamp": "1700000000123",
        "statusCode": "6",
        "status": "READ",
        "messageId": 987654321,
        "clientMessageId": 42,
        "newField": [1, 2, 3]
    });
    let callback = json!({"integrationId": 1, "event": {"messageStatusUpdate": [update]}, "extra": true});
    let event = status_of(Route::ClickatellOneApiStatus, &callback);
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Clickatell,
            message_id: "987654321".into(),
            client_message_id: Some("42".into()),
            to: None,
            from: None,
            status: Status::Read,
            raw_status: Some("READ".into()),
            raw_code: Some("6".into()),
            description: None,
            occurred_at: Some(T),
            channel: Some("rcs".into()),
            dedup_key: String::new(),
        },
    );

    // Missing fields.
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageStatusUpdate": [{"messageId": "m-1"}]})),
    );
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Clickatell,
            message_id: "m-1".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Unknown,
            raw_status: None,
            raw_code: None,
            description: None,
            occurred_at: None,
            channel: None,
            dedup_key: String::new(),
        },
    );

    // A malformed timestamp loses the time, not the event.
    let update = with(
        &one_api_update(json!(5), json!("DEVICE_ACK")),
        "timestamp",
        json!("soon"),
    );
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageStatusUpdate": [update]})),
    );
    assert_eq!((event.status, event.occurred_at), (Status::Delivered, None));

    // A single event object where an array is documented.
    let single = one_api(json!({"messageStatusUpdate": one_api_update(json!(4), json!("SENT_TO_SUPPLIER"))}));
    assert_eq!(status_of(Route::ClickatellOneApiStatus, &single).status, Status::Sent);
}

#[test]
fn one_api_fallback_is_a_status_event_of_its_message() {
    let fallback = json!({
        "channel": "whatsapp",
        "timestamp": T,
        "statusDescription": "Fallback to SMS",
        "status": "FALLBACK_TO_SMS",
        "messageId": "0d4f5e3b2a1c",
        "clientMessageId": "order-42",
        "fallbackChannel": "sms"
    });
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageFallback": [fallback]})),
    );
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Clickatell,
            message_id: "0d4f5e3b2a1c".into(),
            client_message_id: Some("order-42".into()),
            to: None,
            from: None,
            status: Status::Unknown,
            raw_status: Some("FALLBACK_TO_SMS".into()),
            raw_code: None,
            description: Some("Fallback to SMS".into()),
            occurred_at: Some(T),
            channel: Some("whatsapp".into()),
            dedup_key: String::new(),
        },
    );

    // `unknown` unless the status names a known one.
    for (name, expected) in [
        ("DELIVERY_FAILURE", Status::Undelivered),
        ("expired", Status::Expired),
        ("DEVICE_ACK", Status::Delivered),
        ("Rejected", Status::Rejected),
        ("FALLBACK", Status::Unknown),
        ("", Status::Unknown),
    ] {
        let item = with(&fallback, "status", json!(name));
        let event = status_of(
            Route::ClickatellOneApiStatus,
            &one_api(json!({"messageFallback": [item]})),
        );
        assert_eq!(event.status, expected, "{name}");
        assert_eq!(event.raw_status.as_deref(), Some(name));
    }

    // The upstream page types statusDescription as int32: a number is read as its text.
    let numeric = with(&fallback, "statusDescription", json!(17));
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageFallback": [numeric]})),
    );
    assert_eq!(event.description.as_deref(), Some("17"));

    // A fallback without a status is still an event of its message.
    let bare = json!({"messageId": "m-1", "statusDescription": "Fallback to SMS"});
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageFallback": [bare]})),
    );
    assert_eq!(
        (event.status, event.raw_status, event.description.as_deref()),
        (Status::Unknown, None, Some("Fallback to SMS"))
    );
}

#[test]
fn one_api_typing_and_unknown_event_types_are_ignored() {
    let typing = json!({"channel": "whatsapp", "timestamp": T, "from": "27820000002"});
    let callback = body(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"statusIsTyping": [typing]})),
    );
    assert_eq!(
        callback,
        Callback {
            status: vec![],
            inbound: vec![],
            ignored: vec!["statusIsTyping".into()]
        }
    );

    // Event types added later, whatever their shape, beside a known one.
    let callback = body(
        Route::ClickatellOneApiStatus,
        &one_api(json!({
            "messageReaction": [{"messageId": "m-1", "emoji": "+1"}, {"no id": true}],
            "messageStatusUpdate": [one_api_update(json!(6), json!("READ"))],
            "conversationClosed": {"conversationId": "c-1"},
            "weird": "text",
            "statusIsTyping": [typing, typing]
        })),
    );
    assert_eq!(callback.inbound, vec![]);
    assert_eq!(callback.status.len(), 1);
    assert_eq!(callback.status[0].status, Status::Read);
    assert_eq!(
        callback.ignored,
        vec![
            "messageReaction",
            "messageReaction",
            "conversationClosed",
            "weird",
            "statusIsTyping",
            "statusIsTyping"
        ]
    );

    // No events at all is not an error.
    for empty in [
        one_api(json!({})),
        json!({"integrationId": "int-7"}),
        one_api(Value::Null),
    ] {
        assert_eq!(
            body(Route::ClickatellOneApiStatus, &empty),
            Callback::default(),
            "{empty}"
        );
    }
}

#[test]
fn one_api_status_malformed_events_are_unparseable() {
    let message = err_of(
        Route::ClickatellOneApiStatus,
        one_api(json!({"messageStatusUpdate": [{"statusCode": 5, "status": "DEVICE_ACK"}]}))
            .to_string()
            .as_bytes(),
    );
    assert!(message.contains("without `messageId`"), "{message}");
    let message = err_of(
        Route::ClickatellOneApiStatus,
        one_api(json!({"messageFallback": [{"messageId": "  ", "status": "X"}]}))
            .to_string()
            .as_bytes(),
    );
    assert!(message.contains("without `messageId`"), "{message}");
    let message = err_of(Route::ClickatellOneApiStatus, br#"{"event": ["messageStatusUpdate"]}"#);
    assert!(message.contains("`event` is not an object"), "{message}");
}
