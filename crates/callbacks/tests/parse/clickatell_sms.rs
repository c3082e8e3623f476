//! Clickatell's SMS callbacks, status and reply, by GET query string and
//! by POST JSON: every documented parameter, the platform's status codes
//! (by code first, then by name), the types Clickatell really sends, and
//! what makes one unparseable.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use smsgate_callbacks::{Input, Route, Unparseable, parse};
use smsgate_doc_examples::code_blocks;
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};

use crate::payloads::{SMS_REPLY_QUERY, SMS_STATUS_QUERY, T, repo_file, sms_reply_json, sms_status_json};
use crate::{
    SMS_STATUS_PAGE, assert_status, body, err_of, key_of, keys, only_inbound, only_status, query, spec_properties,
    status_of, with,
};

// ---------------------------------------------------------------------------
// Clickatell SMS status (GET query and POST JSON)
// ---------------------------------------------------------------------------

fn sms_status_event(status: Status, raw_status: Option<&str>, raw_code: Option<&str>) -> StatusEvent {
    StatusEvent {
        provider: Provider::Clickatell,
        message_id: "a1b2c3d4e5f6".into(),
        client_message_id: Some("order-42".into()),
        to: Some("27820000001".into()),
        from: Some("27820000002".into()),
        status,
        raw_status: raw_status.map(Into::into),
        raw_code: raw_code.map(Into::into),
        description: Some("Received by recipient".into()),
        occurred_at: Some(T),
        channel: Some("sms".into()),
        dedup_key: String::new(),
    }
}

/// The GET parameters the page documents for `/client-callback/sms-status`.
fn documented_sms_query_parameters(path: &str) -> BTreeSet<String> {
    let page = repo_file(SMS_STATUS_PAGE);
    let documents: Vec<Value> = code_blocks(&page)
        .into_iter()
        .filter(|block| block.language() == "json")
        .map(|block| serde_json::from_str(&block.text).expect("the page's JSON blocks are JSON"))
        .collect();
    let get = documents
        .iter()
        .find_map(|doc| doc["paths"][path].get("get"))
        .unwrap_or_else(|| panic!("no GET {path} on the page"));
    get["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sms_status_query_with_every_documented_parameter() {
    let sent: BTreeSet<String> = form_pairs(SMS_STATUS_QUERY).into_iter().map(|(k, _)| k).collect();
    assert_eq!(sent, documented_sms_query_parameters("/client-callback/sms-status"));

    let event = only_status(query(Route::ClickatellSmsStatus, SMS_STATUS_QUERY));
    // "004" is code 4, RECEIVED_BY_RECIPIENT: delivered; the code stays as sent.
    assert_status(
        &event,
        sms_status_event(Status::Delivered, Some("RECEIVED_BY_RECIPIENT"), Some("004")),
    );
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn sms_status_query_timestamps_in_milliseconds_or_iso_8601() {
    let cases = [
        ("1700000000123", Some(T)),
        ("%201700000000123%20", Some(T)),
        ("2023-11-14T22:13:20.123Z", Some(T)),
        ("2023-11-14T22%3A13%3A20.123Z", Some(T)),
        ("2023-11-15T00:13:20.123%2B02:00", Some(T)),
        ("2023-11-14T22:13:20.123", Some(T)),
        ("2023-11-14+22:13:20.123", Some(T)),
        ("2023-11-14T22:13:20Z", Some(T - 123)),
        ("yesterday", None),
        ("", None),
    ];
    for (timestamp, expected) in cases {
        let q = format!("messageId=m-1&statusCode=4&timestamp={timestamp}");
        let event = only_status(query(Route::ClickatellSmsStatus, &q));
        assert_eq!(event.occurred_at, expected, "timestamp={timestamp}");
        // A timestamp that cannot be read does not lose the event.
        assert_eq!(event.status, Status::Delivered, "timestamp={timestamp}");
    }
}

/// Clickatell SMS (platform) status codes and the status each maps to.
const SMS_CODES: [(i64, Status); 13] = [
    (1, Status::Unknown),
    (2, Status::Buffered),
    (3, Status::Sent),
    (4, Status::Delivered),
    (5, Status::Rejected),
    (6, Status::Cancelled),
    (7, Status::Undelivered),
    (8, Status::Accepted),
    (9, Status::Undelivered),
    (10, Status::Expired),
    (11, Status::Accepted),
    (12, Status::Rejected),
    (14, Status::Rejected),
];

#[test]
fn sms_status_by_code_as_query_string_and_json_number_and_json_string() {
    for (code, expected) in SMS_CODES {
        for sent in [format!("{code}"), format!("{code:03}")] {
            let q = format!("messageId=m-1&statusCode={sent}");
            let event = only_status(query(Route::ClickatellSmsStatus, &q));
            assert_eq!(event.status, expected, "?statusCode={sent}");
            assert_eq!(event.raw_code.as_deref(), Some(sent.as_str()));
            assert_eq!(event.raw_status, None);

            let event = status_of(
                Route::ClickatellSmsStatus,
                &json!({"messageId": "m-1", "statusCode": sent}),
            );
            assert_eq!(event.status, expected, "statusCode: {sent:?}");
            assert_eq!(event.raw_code.as_deref(), Some(sent.as_str()));
        }
        let event = status_of(
            Route::ClickatellSmsStatus,
            &json!({"messageId": "m-1", "statusCode": code}),
        );
        assert_eq!(event.status, expected, "statusCode: {code}");
        assert_eq!(event.raw_code, Some(code.to_string()));
    }
}

#[test]
fn sms_status_by_code_first_then_by_name_case_insensitively() {
    let cases: [(&str, Status); 12] = [
        // The code wins over the name.
        ("statusCode=3&status=RECEIVED_BY_RECIPIENT", Status::Sent),
        ("statusCode=1&status=RECEIVED_BY_RECIPIENT", Status::Unknown),
        // No code, an unmapped code, or a code that is not a number: by name.
        ("status=RECEIVED_BY_RECIPIENT", Status::Delivered),
        ("status=received_by_recipient", Status::Delivered),
        ("statusCode=77&status=DELIVERED_TO_GATEWAY", Status::Sent),
        ("statusCode=abc&status=RECEIVED_BY_RECIPIENT", Status::Delivered),
        ("statusCode=4.0&status=ERROR_DELIVERING", Status::Undelivered),
        ("statusCode=&status=MESSAGE_EXPIRED", Status::Expired),
        ("status=Delivered", Status::Delivered),
        // Neither: unknown, raw values kept (below).
        ("statusCode=77&status=SOMETHING_NEW", Status::Unknown),
        ("statusCode=77", Status::Unknown),
        ("", Status::Unknown),
    ];
    for (params, expected) in cases {
        let q = format!("messageId=m-1&{params}");
        let event = only_status(query(Route::ClickatellSmsStatus, &q));
        assert_eq!(event.status, expected, "?{q}");
        let pairs = form_pairs(params);
        let sent = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(event.raw_code, sent("statusCode"), "?{q}");
        assert_eq!(event.raw_status, sent("status"), "?{q}");
    }
}

#[test]
fn sms_status_json_body_with_documented_types() {
    let callback = sms_status_json();
    assert_eq!(
        keys(&callback),
        spec_properties("clickatell-sms-callbacks", "SmsStatusCallback")
    );
    let event = status_of(Route::ClickatellSmsStatus, &callback);
    assert_status(
        &event,
        sms_status_event(Status::Delivered, Some("RECEIVED_BY_RECIPIENT"), Some("4")),
    );

    // ISO 8601 in the body too.
    let iso = with(&callback, "timestamp", json!("2023-11-14T22:13:20.123Z"));
    assert_eq!(status_of(Route::ClickatellSmsStatus, &iso).occurred_at, Some(T));
}

#[test]
fn sms_status_json_numbers_as_strings_and_strings_as_numbers() {
    let callback = json!({
        "messageId": 123456789,
        "clientMessageId": 42,
        "to": 27820000001_i64,
        "from": 27820000002_i64,
        "statusCode": "004",
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": 1700000000123_i64
    });
    let event = status_of(Route::ClickatellSmsStatus, &callback);
    assert_status(
        &event,
        StatusEvent {
            message_id: "123456789".into(),
            client_message_id: Some("42".into()),
            ..sms_status_event(Status::Delivered, Some("RECEIVED_BY_RECIPIENT"), Some("004"))
        },
    );
}

#[test]
fn sms_status_unknown_and_missing_fields() {
    let minimal = status_of(Route::ClickatellSmsStatus, &json!({"messageId": "m-1"}));
    assert_status(
        &minimal,
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
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );

    let extra = json!({
        "messageId": "m-1",
        "statusCode": 4,
        "newField": {"nested": [1, "two", null]},
        "charge": 0.75,
        "flags": null
    });
    let event = status_of(Route::ClickatellSmsStatus, &extra);
    assert_eq!(event.status, Status::Delivered);
    assert_eq!(event.message_id, "m-1");
    // Unknown fields are not status fields: they do not change the key.
    assert_eq!(
        event.dedup_key,
        key_of(
            Route::ClickatellSmsStatus,
            &json!({"messageId": "m-1", "statusCode": 4})
        )
    );
}

#[test]
fn sms_status_one_malformed_field_does_not_lose_the_event() {
    let base = json!({
        "messageId": "m-1",
        "clientMessageId": "order-42",
        "statusCode": 4,
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": "1700000000123"
    });
    // A code that is not a number: mapped by name, kept raw.
    for (bad, raw) in [
        (json!("abc"), "abc"),
        (json!(4.5), "4.5"),
        (json!([4]), "[4]"),
        (json!({"code": 4}), "{\"code\":4}"),
        (json!(true), "true"),
        (json!("99999999999"), "99999999999"),
    ] {
        let event = status_of(Route::ClickatellSmsStatus, &with(&base, "statusCode", bad.clone()));
        assert_eq!(event.status, Status::Delivered, "statusCode: {bad}");
        assert_eq!(event.raw_code.as_deref(), Some(raw), "statusCode: {bad}");
        assert_eq!(event.client_message_id.as_deref(), Some("order-42"));
        assert_eq!(event.description.as_deref(), Some("Received by recipient"));
        assert_eq!(event.occurred_at, Some(T));
    }
    // Another malformed field: the rest is read.
    let event = status_of(
        Route::ClickatellSmsStatus,
        &with(&base, "clientMessageId", json!({"not": "a string"})),
    );
    assert_eq!(event.client_message_id, None);
    assert_eq!(event.status, Status::Delivered);
    assert_eq!(event.occurred_at, Some(T));
    let event = status_of(Route::ClickatellSmsStatus, &with(&base, "timestamp", json!([1])));
    assert_eq!((event.status, event.occurred_at), (Status::Delivered, None));
}

#[test]
fn sms_status_query_repeated_parameter_keeps_the_first_and_decodes_percent_escapes() {
    let event = only_status(query(
        Route::ClickatellSmsStatus,
        "messageId=m%2F1&messageId=m-2&status=RECEIVED_BY_RECIPIENT&statusDescription=caf%C3%A9+%26+more",
    ));
    assert_eq!(event.message_id, "m/1");
    assert_eq!(event.description.as_deref(), Some("café & more"));
    assert_eq!(event.status, Status::Delivered);
}

#[test]
fn sms_status_query_without_message_id_is_unparseable() {
    for q in [
        "",
        "statusCode=4&status=RECEIVED_BY_RECIPIENT",
        "messageId=&statusCode=4",
        "messageId=+++",
    ] {
        let Err(Unparseable(message)) = parse(Route::ClickatellSmsStatus, Input::Query(q)) else {
            panic!("?{q} was accepted");
        };
        assert!(message.contains("without `messageId`"), "?{q}: {message}");
    }
}

// ---------------------------------------------------------------------------
// Clickatell SMS reply (GET query and POST JSON)
// ---------------------------------------------------------------------------

fn sms_reply_message(payload: Value) -> InboundMessage {
    InboundMessage {
        provider: Provider::Clickatell,
        message_id: "mo-77".into(),
        related_message_id: Some("a1b2c3d4e5f6".into()),
        from: Some("27820000002".into()),
        to: Some("27820000001".into()),
        channel: Some("sms".into()),
        kind: InboundType::Text,
        text: Some("Yes, please!".into()),
        occurred_at: Some(T),
        payload,
    }
}

#[test]
fn sms_reply_query_with_every_documented_parameter() {
    let sent: BTreeSet<String> = form_pairs(SMS_REPLY_QUERY).into_iter().map(|(k, _)| k).collect();
    assert_eq!(sent, documented_sms_query_parameters("/client-callback/sms-reply"));

    let message = only_inbound(query(Route::ClickatellSmsReply, SMS_REPLY_QUERY));
    // The payload is the query as received: every value a string.
    let payload = json!({
        "integrationName": "Acme SMS",
        "replyMessageId": "mo-77",
        "messageId": "a1b2c3d4e5f6",
        "fromNumber": "27820000002",
        "toNumber": "27820000001",
        "timestamp": "1700000000123",
        "text": "Yes, please!",
        "charset": "UTF-8",
        "udh": "",
        "network": "655001",
        "keyword": "YES"
    });
    assert_eq!(message, sms_reply_message(payload));
}

#[test]
fn sms_reply_json_body_as_documented_and_with_unknown_fields() {
    let reply = sms_reply_json();
    let documented = spec_properties("clickatell-sms-callbacks", "SendReplyMessageRequest");
    assert_eq!(
        &keys(&reply) - &documented,
        BTreeSet::from(["somethingNew".to_string()])
    );
    let message = only_inbound(body(Route::ClickatellSmsReply, &reply));
    assert_eq!(message, sms_reply_message(reply));

    // Numbers as strings and strings as numbers.
    let loose = json!({
        "replyMessageId": 9001,
        "messageId": 1234,
        "fromNumber": 27820000002_i64,
        "toNumber": 27820000001_i64,
        "timestamp": "1700000000123",
        "text": 42,
        "network": "655001"
    });
    let message = only_inbound(body(Route::ClickatellSmsReply, &loose));
    assert_eq!(
        message,
        InboundMessage {
            message_id: "9001".into(),
            related_message_id: Some("1234".into()),
            text: Some("42".into()),
            ..sms_reply_message(loose)
        }
    );

    // Missing fields, one malformed field.
    let sparse = json!({"replyMessageId": "mo-1", "timestamp": "soon", "network": "n/a"});
    let message = only_inbound(body(Route::ClickatellSmsReply, &sparse));
    assert_eq!(
        message,
        InboundMessage {
            provider: Provider::Clickatell,
            message_id: "mo-1".into(),
            related_message_id: None,
            from: None,
            to: None,
            channel: Some("sms".into()),
            kind: InboundType::Text,
            text: None,
            occurred_at: None,
            payload: sparse.clone(),
        }
    );
}

#[test]
fn sms_reply_without_reply_message_id_is_unparseable() {
    // `messageId` is the message replied to, not the reply's own id.
    let message = err_of(
        Route::ClickatellSmsReply,
        br#"{"messageId": "a1b2c3d4e5f6", "text": "hi"}"#,
    );
    assert!(message.contains("without `replyMessageId`"), "{message}");
    let Err(Unparseable(message)) = parse(Route::ClickatellSmsReply, Input::Query("messageId=a1&text=hi")) else {
        panic!("accepted a reply without its id");
    };
    assert!(message.contains("without `replyMessageId`"), "{message}");
}
