//! The callback parsers, route by route: what each provider sends (as its
//! documents show it, and as providers really send it) becomes exactly which
//! `StatusEvent`s and `InboundMessage`s (DESIGN.md sections 4 and 5).
//!
//! The providers' published examples are not copied here: they are read at
//! test time from the verbatim pages in `openapi/upstream/` (see
//! `payloads/`, which the benchmarks share), and the documented field and
//! event names from the effective specs `openapi/*.json`, so the tests follow
//! the documents.

mod payloads;

use std::collections::BTreeSet;

use payloads::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use smsgate_callbacks::{Callback, Input, Route, Unparseable, parse};
use smsgate_doc_examples::code_blocks;
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const SMS_STATUS_PAGE: &str = "openapi/upstream/clickatell/000_690364af323e43ee.txt";

fn spec(name: &str) -> Value {
    serde_json::from_str(&repo_file(&format!("openapi/{name}.json"))).expect("effective spec is JSON")
}

fn try_body(route: Route, body: &[u8]) -> Result<Callback, Unparseable> {
    parse(route, Input::Body(body))
}

fn body(route: Route, value: &Value) -> Callback {
    let text = value.to_string();
    parse(route, Input::Body(text.as_bytes())).unwrap_or_else(|e| panic!("{route:?} rejected {text}: {e}"))
}

fn query(route: Route, query: &str) -> Callback {
    parse(route, Input::Query(query)).unwrap_or_else(|e| panic!("{route:?} rejected ?{query}: {e}"))
}

/// The only status event of a callback that has nothing else.
fn only_status(callback: Callback) -> StatusEvent {
    assert!(callback.inbound.is_empty(), "{callback:?}");
    assert!(callback.ignored.is_empty(), "{callback:?}");
    assert_eq!(callback.status.len(), 1, "{callback:?}");
    callback.status.into_iter().next().unwrap()
}

/// The only inbound message of a callback that has nothing else.
fn only_inbound(callback: Callback) -> InboundMessage {
    assert!(callback.status.is_empty(), "{callback:?}");
    assert!(callback.ignored.is_empty(), "{callback:?}");
    assert_eq!(callback.inbound.len(), 1, "{callback:?}");
    callback.inbound.into_iter().next().unwrap()
}

fn status_of(route: Route, value: &Value) -> StatusEvent {
    only_status(body(route, value))
}

fn key_of(route: Route, value: &Value) -> String {
    status_of(route, value).dedup_key
}

/// `expected` with the dedup key of `got` (the key's format is the parser's
/// own; its properties are tested separately below).
fn assert_status(got: &StatusEvent, expected: StatusEvent) {
    assert_eq!(
        *got,
        StatusEvent {
            dedup_key: got.dedup_key.clone(),
            ..expected
        }
    );
    assert!(!got.dedup_key.is_empty());
}

fn err_of(route: Route, body: &[u8]) -> String {
    match try_body(route, body) {
        Ok(callback) => panic!("{route:?} accepted {:?}: {callback:?}", String::from_utf8_lossy(body)),
        Err(Unparseable(message)) => message,
    }
}

/// The same JSON object with one field replaced (or added).
fn with(value: &Value, key: &str, field: Value) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().insert(key.into(), field);
    value
}

/// The same JSON object without one field.
fn without(value: &Value, key: &str) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().shift_remove(key);
    value
}

/// The property names of a schema of an effective spec.
fn spec_properties(api: &str, schema: &str) -> BTreeSet<String> {
    spec(api)["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{api}: no schema {schema}"))
        .keys()
        .cloned()
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn every_route_is_a_path_of_the_callback_specs() {
    let mut documented = BTreeSet::new();
    for api in [
        "clickatell-sms-callbacks",
        "clickatell-one-api-callbacks",
        "smarthive-callbacks",
        "clearline-callbacks",
    ] {
        documented.extend(spec(api)["paths"].as_object().unwrap().keys().cloned());
    }
    let routes: BTreeSet<String> = Route::ALL.iter().map(|r| r.path().to_string()).collect();
    assert_eq!(routes, documented);
    assert_eq!(Route::ClickatellOneApiReply.provider(), Provider::Clickatell);
    assert_eq!(Route::SmarthiveStatus.provider(), Provider::Smarthive);
    assert_eq!(Route::ClearlineStatus.provider(), Provider::Clearline);
}

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

/// DESIGN.md section 5, Clickatell SMS (platform) status codes.
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

// ---------------------------------------------------------------------------
// Clickatell One API status
// ---------------------------------------------------------------------------

/// DESIGN.md section 5, One API status codes (with the names the docs give).
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
fn one_api_status_codes_of_design_section_5() {
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

// ---------------------------------------------------------------------------
// Clickatell One API reply: the seven inbound types
// ---------------------------------------------------------------------------

fn mo_message(id: &str, kind: InboundType, text: Option<&str>, payload: Value) -> InboundMessage {
    InboundMessage {
        provider: Provider::Clickatell,
        message_id: id.into(),
        related_message_id: Some("0d4f5e3b2a1c".into()),
        from: Some("27820000002".into()),
        to: Some("27820000001".into()),
        channel: Some("whatsapp".into()),
        kind,
        text: text.map(Into::into),
        occurred_at: Some(T),
        payload,
    }
}

#[test]
fn one_api_reply_each_inbound_type_with_its_text_and_payload() {
    for (kind_name, item, kind, text) in seven_inbound_types() {
        let message = only_inbound(body(
            Route::ClickatellOneApiReply,
            &one_api(json!({ kind_name: [item.clone()] })),
        ));
        let id = item["messageId"].as_str().unwrap();
        assert_eq!(message, mo_message(id, kind, text, item.clone()), "{kind_name}");
    }
}

#[test]
fn one_api_reply_types_cover_the_effective_spec() {
    // Every event type the spec documents is one of the seven above.
    let spec = spec("clickatell-one-api-callbacks");
    let documented: BTreeSet<&str> = spec["components"]["schemas"]["ReplyEvents"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let tested: BTreeSet<&str> = seven_inbound_types().iter().map(|(k, ..)| *k).collect();
    assert_eq!(documented, tested);
    let documented: BTreeSet<&str> = spec["components"]["schemas"]["StatusEvents"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        documented,
        BTreeSet::from(["messageStatusUpdate", "messageFallback", "statusIsTyping"])
    );
}

#[test]
fn one_api_reply_text_rules_when_there_is_none() {
    let cases = [
        ("moText", json!({}), InboundType::Text),
        // A media's `content` is the media itself, not text.
        (
            "moMedia",
            json!({"content": "iVBORw0KGgo=", "contentType": "image/png"}),
            InboundType::Media,
        ),
        // A location's address is not its name.
        (
            "moLocation",
            json!({"locationAddress": "Green Point", "latitude": "-33.9"}),
            InboundType::Location,
        ),
        ("moContacts", json!({"contacts": []}), InboundType::Contacts),
        (
            "moSuggestedResponse",
            json!({"postbackData": "yes-payload"}),
            InboundType::SuggestedResponse,
        ),
        (
            "moListPickerResponse",
            json!({"selectedItems": []}),
            InboundType::ListPicker,
        ),
        (
            "moListPickerResponse",
            json!({"selectedItems": [{"postbackData": "p"}]}),
            InboundType::ListPicker,
        ),
        (
            "moButtonResponse",
            json!({"postbackData": "confirm"}),
            InboundType::Button,
        ),
        (
            "moButtonResponse",
            json!({"selectedItem": {"postbackData": "b"}}),
            InboundType::Button,
        ),
    ];
    for (kind_name, specific, kind) in cases {
        let item = mo("mo-1", specific);
        let message = only_inbound(body(
            Route::ClickatellOneApiReply,
            &one_api(json!({ kind_name: [item.clone()] })),
        ));
        assert_eq!(message, mo_message("mo-1", kind, None, item), "{kind_name}");
    }

    // The list picker's chosen item is the one with content.
    let item = mo(
        "mo-1",
        json!({"selectedItems": [{"postbackData": "p1"}, {"postbackData": "p2", "content": "Large"}]}),
    );
    let message = only_inbound(body(
        Route::ClickatellOneApiReply,
        &one_api(json!({"moListPickerResponse": [item]})),
    ));
    assert_eq!(message.text.as_deref(), Some("Large"));
}

#[test]
fn one_api_reply_leniency() {
    // Numbers as strings and strings as numbers; the payload stays as sent.
    let item = json!({
        "channel": "sms",
        "messageId": 5550001,
        "relatedMessageId": 42,
        "from": 27820000002_i64,
        "to": 27820000001_i64,
        "timestamp": "1700000000123",
        "content": 1234,
        "sms": {"network": "655001"}
    });
    let message = only_inbound(body(
        Route::ClickatellOneApiReply,
        &one_api(json!({"moText": [item.clone()]})),
    ));
    assert_eq!(
        message,
        InboundMessage {
            provider: Provider::Clickatell,
            message_id: "5550001".into(),
            related_message_id: Some("42".into()),
            from: Some("27820000002".into()),
            to: Some("27820000001".into()),
            channel: Some("sms".into()),
            kind: InboundType::Text,
            text: Some("1234".into()),
            occurred_at: Some(T),
            payload: item,
        }
    );

    // Missing fields.
    let item = json!({"messageId": "mo-1"});
    let message = only_inbound(body(
        Route::ClickatellOneApiReply,
        &one_api(json!({"moMedia": [item.clone()]})),
    ));
    assert_eq!(
        message,
        InboundMessage {
            provider: Provider::Clickatell,
            message_id: "mo-1".into(),
            related_message_id: None,
            from: None,
            to: None,
            channel: None,
            kind: InboundType::Media,
            text: None,
            occurred_at: None,
            payload: item,
        }
    );

    // A malformed field in each type loses that field only.
    for (kind_name, item, kind, text) in seven_inbound_types() {
        let broken = with(&item, "timestamp", json!({"not": "a time"}));
        let message = only_inbound(body(
            Route::ClickatellOneApiReply,
            &one_api(json!({ kind_name: [broken.clone()] })),
        ));
        let id = item["messageId"].as_str().unwrap();
        assert_eq!(
            message,
            InboundMessage {
                occurred_at: None,
                ..mo_message(id, kind, text, broken)
            },
            "{kind_name}"
        );
    }
    let item = mo(
        "mo-1",
        json!({"content": "Hi", "whatsapp": "not an object", "sms": [1]}),
    );
    let message = only_inbound(body(
        Route::ClickatellOneApiReply,
        &one_api(json!({"moText": [item.clone()]})),
    ));
    assert_eq!(message, mo_message("mo-1", InboundType::Text, Some("Hi"), item));
}

#[test]
fn one_api_reply_unknown_mo_type_is_an_unknown_inbound_message() {
    let item = mo(
        "mo-9",
        json!({"reaction": {"emoji": "👍", "messageId": "0d4f5e3b2a1c"}}),
    );
    let callback = body(
        Route::ClickatellOneApiReply,
        &one_api(json!({"moReaction": [item.clone()]})),
    );
    assert_eq!(callback.status, vec![]);
    assert_eq!(
        callback.inbound,
        vec![mo_message("mo-9", InboundType::Unknown, None, item)]
    );
    // Counted as an event type our spec does not know (DESIGN.md section 4).
    assert_eq!(callback.ignored, vec!["moReaction".to_string()]);

    // Even when it has a `content`: its meaning is unknown.
    let item = mo("mo-10", json!({"content": "?"}));
    let callback = body(Route::ClickatellOneApiReply, &one_api(json!({"moSticker": [item]})));
    assert_eq!(callback.inbound[0].kind, InboundType::Unknown);
    assert_eq!(callback.inbound[0].text, None);
}

#[test]
fn one_api_reply_unknown_event_type_without_message_id_does_not_lose_the_callback() {
    let text = mo("mo-1", json!({"content": "Hello"}));
    for unknown in [
        json!([{"from": "27820000002", "timestamp": T}]),
        json!(["opaque"]),
        json!({"conversationId": "c-1"}),
    ] {
        let callback = one_api(json!({"moText": [text.clone()], "moSomethingNew": unknown}));
        let parsed = parse(
            Route::ClickatellOneApiReply,
            Input::Body(callback.to_string().as_bytes()),
        );
        let callback = parsed.unwrap_or_else(|e| panic!("moSomethingNew: {unknown} rejected the callback: {e}"));
        assert_eq!(
            callback.inbound.first(),
            Some(&mo_message("mo-1", InboundType::Text, Some("Hello"), text.clone()))
        );
        assert!(callback.ignored.contains(&"moSomethingNew".to_string()));
    }
}

#[test]
fn one_api_reply_malformed_events_are_unparseable() {
    for (kind_name, item, ..) in seven_inbound_types() {
        let item = without(&item, "messageId");
        let message = err_of(
            Route::ClickatellOneApiReply,
            one_api(json!({ kind_name: [item] })).to_string().as_bytes(),
        );
        assert!(message.contains("without `messageId`"), "{kind_name}: {message}");
    }
    let message = err_of(Route::ClickatellOneApiReply, br#"{"event": "moText"}"#);
    assert!(message.contains("`event` is not an object"), "{message}");
}

// ---------------------------------------------------------------------------
// SmartHive
// ---------------------------------------------------------------------------

#[test]
fn smarthive_published_example_exactly_as_in_the_doc() {
    let example = smarthive_example();
    // The page's example, as published: a trailing comma and string numbers.
    assert!(example.trim_end().ends_with(",\n}"), "{example}");
    let fields = keys(&smsgate::lenient::parse(example.as_bytes()).unwrap());
    assert_eq!(
        fields,
        spec_properties("smarthive-callbacks", "SmartHiveStatusCallback")
    );
    let event = only_status(try_body(Route::SmarthiveStatus, example.as_bytes()).unwrap());
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Smarthive,
            message_id: "jyd823-23n".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Delivered,
            raw_status: Some("DELIVRD".into()),
            raw_code: Some("err:000".into()),
            description: Some("DELIVERED".into()),
            // 202311042057 read as UTC: 2023-11-04T20:57:00Z.
            occurred_at: Some(1_699_131_420_000),
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );
}

#[test]
fn smarthive_stat_words_and_times() {
    let stats = [
        ("DELIVRD", Status::Delivered),
        ("delivrd", Status::Delivered),
        ("UNDELIV", Status::Undelivered),
        ("EXPIRED", Status::Expired),
        ("REJECTD", Status::Rejected),
        ("DELETED", Status::Cancelled),
        ("ENROUTE", Status::Sent),
        ("ACCEPTD", Status::Sent),
        ("UNKNOWN", Status::Unknown),
        ("NEWSTAT", Status::Unknown),
    ];
    for (stat, expected) in stats {
        let event = status_of(Route::SmarthiveStatus, &json!({"msg_id": "m-1", "status": stat}));
        assert_eq!(event.status, expected, "{stat}");
        assert_eq!(event.raw_status.as_deref(), Some(stat));
    }
    let times = [
        (json!("202311042057"), Some(1_699_131_420_000)),
        (json!(202311042057_i64), Some(1_699_131_420_000)),
        (json!("20231104205701"), Some(1_699_131_421_000)),
        (json!(" 202311042057 "), Some(1_699_131_420_000)),
        (json!("2023-11-04T20:57:00Z"), Some(1_699_131_420_000)),
        (json!("202313042057"), None),
        (json!("2023110420"), None),
        (json!("later"), None),
        (json!(["202311042057"]), None),
    ];
    for (timestamp, expected) in times {
        let event = status_of(
            Route::SmarthiveStatus,
            &json!({"msg_id": "m-1", "status": "DELIVRD", "timestamp": timestamp}),
        );
        assert_eq!(event.occurred_at, expected, "timestamp {timestamp}");
        assert_eq!(event.status, Status::Delivered, "timestamp {timestamp}");
    }
}

#[test]
fn smarthive_leniency() {
    // Numbers as strings (str_length is documented as int, sent as "157"),
    // strings as numbers, unknown and missing fields.
    let event = status_of(
        Route::SmarthiveStatus,
        &json!({
            "msg_id": 81234,
            "status": "UNDELIV",
            "dlr_code": 5,
            "timestamp": 202311042057_i64,
            "str_length": 157,
            "pg_length": 1,
            "cost": 3.0,
            "desc": "Absent subscriber",
            "network": {"mcc": "655"}
        }),
    );
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Smarthive,
            message_id: "81234".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Undelivered,
            raw_status: Some("UNDELIV".into()),
            raw_code: Some("5".into()),
            description: Some("Absent subscriber".into()),
            occurred_at: Some(1_699_131_420_000),
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );
    let event = status_of(Route::SmarthiveStatus, &json!({"msg_id": "m-1"}));
    assert_eq!(
        (
            event.status,
            event.raw_status,
            event.raw_code,
            event.occurred_at,
            event.description
        ),
        (Status::Unknown, None, None, None, None)
    );
    // A malformed field: the rest is read.
    let event = status_of(
        Route::SmarthiveStatus,
        &json!({"msg_id": "m-1", "status": "DELIVRD", "desc": {"text": "x"}, "str_length": [1]}),
    );
    assert_eq!((event.status, event.description), (Status::Delivered, None));
}

#[test]
fn smarthive_without_msg_id_is_unparseable() {
    let example = smsgate::lenient::parse(smarthive_example().as_bytes()).unwrap();
    let message = err_of(
        Route::SmarthiveStatus,
        without(&example, "msg_id").to_string().as_bytes(),
    );
    assert!(message.contains("without `msg_id`"), "{message}");
}

// ---------------------------------------------------------------------------
// ClearLine
// ---------------------------------------------------------------------------

#[test]
fn clearline_documented_callback() {
    let example = clearline_example();
    let fields = keys(&serde_json::from_str(&example).unwrap());
    assert_eq!(fields, spec_properties("clearline-callbacks", "DeliveryStatusCallback"));
    let event = only_status(try_body(Route::ClearlineStatus, example.as_bytes()).unwrap());
    // The page shows every field as "string": nothing maps.
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Clearline,
            message_id: "string".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Unknown,
            raw_status: Some("string".into()),
            raw_code: Some("string".into()),
            description: Some("string".into()),
            occurred_at: None,
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );

    let event = status_of(
        Route::ClearlineStatus,
        &json!({
            "messageId": "7c2e9a",
            "deliveryStatus": "Delivered",
            "externalDeliveryStatus": "Delivered",
            "reasonText": "Delivered to handset"
        }),
    );
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Clearline,
            message_id: "7c2e9a".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Delivered,
            raw_status: Some("Delivered".into()),
            raw_code: Some("Delivered".into()),
            description: Some("Delivered to handset".into()),
            occurred_at: None,
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );
}

#[test]
fn clearline_external_delivery_status_first() {
    let cases: [(Option<&str>, Option<&str>, Status); 16] = [
        (Some("Delivered"), Some("DeliveredFailed"), Status::Delivered),
        (Some("Failed"), Some("Delivered"), Status::Undelivered),
        (Some("Expired"), Some("Delivered"), Status::Expired),
        (Some("Rejected"), Some("Delivered"), Status::Rejected),
        (Some("rejected"), None, Status::Rejected),
        (Some(" EXPIRED "), None, Status::Expired),
        (Some("Failed"), None, Status::Undelivered),
        // The gateway's word is unknown or absent: ClearLine's own.
        (Some("Pending"), Some("DeliveredFailed"), Status::Undelivered),
        (Some("Pending"), Some("Delivered"), Status::Delivered),
        (None, Some("Delivered"), Status::Delivered),
        (None, Some("deliveredfailed"), Status::Undelivered),
        (Some(""), Some("Delivered"), Status::Delivered),
        (Some("Pending"), Some("Pending"), Status::Unknown),
        (None, Some("Queued"), Status::Unknown),
        (Some("Unknown"), None, Status::Unknown),
        (None, None, Status::Unknown),
    ];
    for (external, delivery, expected) in cases {
        let mut callback = json!({"messageId": "7c2e9a", "reasonText": "r"});
        if let Some(external) = external {
            callback = with(&callback, "externalDeliveryStatus", json!(external));
        }
        if let Some(delivery) = delivery {
            callback = with(&callback, "deliveryStatus", json!(delivery));
        }
        let event = status_of(Route::ClearlineStatus, &callback);
        assert_eq!(event.status, expected, "{external:?} {delivery:?}");
        assert_eq!(event.raw_code.as_deref(), external);
        assert_eq!(event.raw_status.as_deref(), delivery);
        assert_eq!(event.occurred_at, None);
    }
}

#[test]
fn clearline_leniency_and_missing_id() {
    let event = status_of(
        Route::ClearlineStatus,
        &json!({"messageId": 991, "externalDeliveryStatus": "Failed", "reasonText": 21, "extra": [true]}),
    );
    assert_eq!(
        (event.message_id.as_str(), event.status, event.description.as_deref()),
        ("991", Status::Undelivered, Some("21"))
    );
    let event = status_of(
        Route::ClearlineStatus,
        &json!({"messageId": "m", "externalDeliveryStatus": "Failed", "reasonText": {"a": 1}}),
    );
    assert_eq!((event.status, event.description), (Status::Undelivered, None));
    let message = err_of(Route::ClearlineStatus, br#"{"deliveryStatus": "Delivered"}"#);
    assert!(message.contains("without `messageId`"), "{message}");
}

// ---------------------------------------------------------------------------
// Dedup keys
// ---------------------------------------------------------------------------

/// A status callback of a status route, and changes of the fields its key is
/// made of (a field and its new value; null removes the field).
type Keyed = (Route, Value, Vec<(&'static str, Value)>);

/// A status callback of each status route (the One API's events are changed
/// within the event, below).
fn keyed_callbacks() -> Vec<Keyed> {
    vec![
        (
            Route::ClickatellSmsStatus,
            json!({"messageId": "m-1", "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT",
                   "timestamp": "1700000000123", "statusDescription": "ok"}),
            vec![
                ("messageId", json!("m-2")),
                ("status", json!("received_by_recipient")),
                ("statusCode", json!(3)),
                ("statusCode", json!("004")),
                ("timestamp", json!("1700000000124")),
                ("timestamp", json!("2023-11-14T22:13:20.123Z")),
            ],
        ),
        (
            Route::ClickatellOneApiStatus,
            one_api(json!({"messageStatusUpdate": [one_api_update(json!(5), json!("DEVICE_ACK"))]})),
            vec![],
        ),
        (
            Route::SmarthiveStatus,
            json!({"msg_id": "m-1", "status": "DELIVRD", "dlr_code": "err:000", "timestamp": "202311042057",
                   "desc": "DELIVERED", "cost": "3.00"}),
            vec![
                ("msg_id", json!("m-2")),
                ("status", json!("UNDELIV")),
                ("status", json!("delivrd")),
                ("dlr_code", json!("err:001")),
                ("timestamp", json!("202311042058")),
            ],
        ),
        (
            Route::ClearlineStatus,
            json!({"messageId": "m-1", "deliveryStatus": "DeliveredFailed", "externalDeliveryStatus": "Failed",
                   "reasonText": "Absent subscriber"}),
            vec![
                ("messageId", json!("m-2")),
                ("deliveryStatus", json!("Delivered")),
                ("externalDeliveryStatus", json!("Expired")),
                ("externalDeliveryStatus", Value::Null),
                ("reasonText", json!("Unknown subscriber")),
            ],
        ),
    ]
}

#[test]
fn a_provider_retry_has_the_same_dedup_key() {
    for (route, callback, _) in keyed_callbacks() {
        let first = body(route, &callback);
        // The same bytes again, and the same payload formatted otherwise.
        assert_eq!(body(route, &callback), first, "{route:?}");
        let pretty = serde_json::to_string_pretty(&callback).unwrap();
        let again = try_body(route, pretty.as_bytes()).unwrap();
        assert_eq!(again.status, first.status, "{route:?}");
        // A field that is not a status field changes nothing.
        let mut extra = callback.clone();
        extra
            .as_object_mut()
            .unwrap()
            .insert("deliveryAttempt".into(), json!(2));
        assert_eq!(body(route, &extra).status, first.status, "{route:?}");
    }
    // GET and POST of the same SMS status: the same key.
    let get = only_status(query(
        Route::ClickatellSmsStatus,
        "messageId=m-1&statusCode=4&status=DELIVERED&timestamp=1700000000123",
    ));
    let post = status_of(
        Route::ClickatellSmsStatus,
        &json!({"messageId": "m-1", "statusCode": 4, "status": "DELIVERED", "timestamp": 1700000000123_i64}),
    );
    assert_eq!(get, post);
    // A retry of an inbound message: its id is its key.
    let reply = json!({"replyMessageId": "mo-1", "messageId": "m-1", "text": "hi"});
    assert_eq!(
        body(Route::ClickatellSmsReply, &reply),
        body(Route::ClickatellSmsReply, &reply)
    );
}

#[test]
fn any_change_of_id_status_code_or_time_changes_the_dedup_key() {
    for (route, callback, changes) in keyed_callbacks() {
        let original = key_of(route, &callback);
        for (field, value) in changes {
            let changed = if value.is_null() {
                without(&callback, field)
            } else {
                with(&callback, field, value.clone())
            };
            assert_ne!(key_of(route, &changed), original, "{route:?}: {field} -> {value}");
        }
        // Each key field removed (an absent field is not an empty one).
        for field in ["status", "statusCode", "timestamp", "dlr_code", "deliveryStatus"] {
            if callback.get(field).is_some() {
                assert_ne!(
                    key_of(route, &without(&callback, field)),
                    original,
                    "{route:?}: no {field}"
                );
                assert_ne!(
                    key_of(route, &with(&callback, field, json!(""))),
                    original,
                    "{route:?}: empty {field}"
                );
            }
        }
    }
    // One API: within the event.
    let base = one_api_update(json!(5), json!("DEVICE_ACK"));
    let key = |update: Value| {
        key_of(
            Route::ClickatellOneApiStatus,
            &one_api(json!({"messageStatusUpdate": [update]})),
        )
    };
    let original = key(base.clone());
    for (field, value) in [
        ("messageId", json!("other")),
        ("status", json!("READ")),
        ("statusCode", json!(6)),
        ("timestamp", json!(T + 1)),
    ] {
        assert_ne!(key(with(&base, field, value.clone())), original, "{field} -> {value}");
    }
    assert_eq!(key(with(&base, "clientMessageId", json!("x"))), original);
}

#[test]
fn clearline_keys_on_every_status_field() {
    // No timestamp: a later callback with other status fields is another event,
    // the same status fields again is a retry.
    let base = json!({"messageId": "m-1", "deliveryStatus": "DeliveredFailed", "externalDeliveryStatus": "Failed",
                      "reasonText": "Absent subscriber"});
    let original = key_of(Route::ClearlineStatus, &base);
    for field in ["deliveryStatus", "externalDeliveryStatus", "reasonText"] {
        assert_ne!(
            key_of(Route::ClearlineStatus, &with(&base, field, json!("Other"))),
            original,
            "{field}"
        );
        assert_ne!(
            key_of(Route::ClearlineStatus, &without(&base, field)),
            original,
            "no {field}"
        );
    }
    // The two status fields swapped are not the same event.
    let swapped = json!({"messageId": "m-1", "deliveryStatus": "Failed", "externalDeliveryStatus": "DeliveredFailed",
                         "reasonText": "Absent subscriber"});
    assert_ne!(key_of(Route::ClearlineStatus, &swapped), original);
    assert_eq!(
        key_of(Route::ClearlineStatus, &with(&base, "unrelated", json!(1))),
        original
    );
}

/// Message ids and status values as providers send them (no control characters).
fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9:_./+ -]{0,20}"
}

fn value() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        proptest::sample::select(vec![
            "DELIVRD",
            "UNDELIV",
            "DEVICE_ACK",
            "READ",
            "4",
            "004",
            "Delivered",
            ""
        ])
        .prop_map(String::from),
        "[A-Za-z0-9:_ -]{0,12}",
    ])
}

/// The status fields of one event of `route` (id, then the key fields).
fn status_document(route: Route, id: &str, fields: &[Option<String>; 3]) -> Value {
    let names: [&str; 4] = match route {
        Route::ClickatellSmsStatus => ["messageId", "status", "statusCode", "timestamp"],
        Route::ClickatellOneApiStatus => ["messageId", "status", "statusCode", "timestamp"],
        Route::SmarthiveStatus => ["msg_id", "status", "dlr_code", "timestamp"],
        Route::ClearlineStatus => ["messageId", "deliveryStatus", "externalDeliveryStatus", "reasonText"],
        _ => unreachable!(),
    };
    let mut object = Map::new();
    object.insert(names[0].into(), json!(id));
    for (name, field) in names[1..].iter().zip(fields) {
        if let Some(field) = field {
            object.insert((*name).into(), json!(field));
        }
    }
    match route {
        Route::ClickatellOneApiStatus => one_api(json!({"messageStatusUpdate": [object]})),
        _ => Value::Object(object),
    }
}

const STATUS_ROUTES: [Route; 4] = [
    Route::ClickatellSmsStatus,
    Route::ClickatellOneApiStatus,
    Route::SmarthiveStatus,
    Route::ClearlineStatus,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Two events have the same key exactly when they have the same id and
    /// key fields.
    #[test]
    fn dedup_keys_of_different_events_never_collide(
        route in proptest::sample::select(STATUS_ROUTES.to_vec()),
        a_id in id(), a in [value(), value(), value()],
        b_id in id(), b in [value(), value(), value()],
        same_id in any::<bool>(),
    ) {
        let b_id = if same_id { a_id.clone() } else { b_id };
        let ka = key_of(route, &status_document(route, &a_id, &a));
        let kb = key_of(route, &status_document(route, &b_id, &b));
        if (a_id.as_str(), &a) == (b_id.as_str(), &b) {
            prop_assert_eq!(ka, kb);
        } else {
            prop_assert_ne!(ka, kb, "{:?} {:?} / {:?} {:?}", a_id, a, b_id, b);
        }
    }
}

#[test]
fn dedup_keys_do_not_collide_on_separator_characters() {
    let a = json!({"messageId": "m\u{1f}DELIVRD", "status": "x"});
    let b = json!({"messageId": "m", "status": "DELIVRD\u{1f}x"});
    assert_ne!(
        key_of(Route::ClickatellSmsStatus, &a),
        key_of(Route::ClickatellSmsStatus, &b)
    );
    let absent = json!({"msg_id": "m", "status": "DELIVRD"});
    let nul = json!({"msg_id": "m", "status": "DELIVRD", "dlr_code": "\u{0}"});
    assert_ne!(
        key_of(Route::SmarthiveStatus, &absent),
        key_of(Route::SmarthiveStatus, &nul)
    );
}

// ---------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Unparseable bodies, and what is fine
// ---------------------------------------------------------------------------

#[test]
fn unparseable_bodies_say_why_on_every_route() {
    let cases: [(&[u8], &str); 14] = [
        (b"", "empty body"),
        (b"   \r\n\t ", "empty body"),
        (b"not json", "not JSON"),
        (b"{\"messageId\": ", "not JSON"),
        (b"{,}", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"\xEF\xBB\xBF", "not JSON"),
        (
            b"[1,2]",
            "not an object (or a batch of objects): an array that is not of objects",
        ),
        (b"[]", "not an object (or a batch of objects)"),
        (b"\"x\"", "not an object (or a batch of objects): a string"),
        (b"null", "not an object (or a batch of objects): null"),
        (b"42", "not an object (or a batch of objects): a number"),
        (b"true", "not an object (or a batch of objects): a boolean"),
        (b"[{\"messageId\": \"m\"}, [1]]", "an array that is not of objects"),
    ];
    for route in Route::ALL {
        for (body, why) in cases {
            let message = err_of(route, body);
            assert!(
                message.contains(why),
                "{route:?} {:?}: {message:?} does not say {why:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

#[test]
fn an_event_without_a_message_id_is_unparseable_on_every_route() {
    let cases: [(Route, Value, &str); 6] = [
        (
            Route::ClickatellSmsStatus,
            json!({"statusCode": 4, "status": "RECEIVED_BY_RECIPIENT"}),
            "messageId",
        ),
        (
            Route::ClickatellSmsReply,
            json!({"messageId": "m-1", "text": "hi"}),
            "replyMessageId",
        ),
        (
            Route::ClickatellOneApiStatus,
            one_api(json!({"messageStatusUpdate": [{"statusCode": 5}]})),
            "messageId",
        ),
        (
            Route::ClickatellOneApiReply,
            one_api(json!({"moText": [{"content": "hi"}]})),
            "messageId",
        ),
        (
            Route::SmarthiveStatus,
            json!({"status": "DELIVRD", "msg_id": null}),
            "msg_id",
        ),
        (
            Route::ClearlineStatus,
            json!({"messageId": "", "deliveryStatus": "Delivered"}),
            "messageId",
        ),
    ];
    for (route, callback, field) in cases {
        let message = err_of(route, callback.to_string().as_bytes());
        assert_eq!(
            message,
            format!("an event without `{field}`: it cannot be matched to a message"),
            "{route:?}"
        );
    }
}

#[test]
fn trailing_commas_and_a_utf8_bom_are_fine() {
    let cases: [(Route, &[u8]); 6] = [
        (
            Route::ClickatellSmsStatus,
            b"\xEF\xBB\xBF{\"messageId\": \"m-1\", \"statusCode\": \"004\",}",
        ),
        (
            Route::ClickatellSmsReply,
            b"\xEF\xBB\xBF  {\"replyMessageId\": \"m-1\", \"text\": \"a, }\",\n}\n",
        ),
        (
            Route::ClickatellOneApiStatus,
            b"\xEF\xBB\xBF{\"event\": {\"messageStatusUpdate\": [{\"messageId\": \"m-1\", \"statusCode\": 5,},],},}",
        ),
        (
            Route::ClickatellOneApiReply,
            b"{\"event\": {\"moText\": [{\"messageId\": \"m-1\", \"content\": \"[x,]\",},],},}",
        ),
        (
            Route::SmarthiveStatus,
            b"\xEF\xBB\xBF{\"msg_id\": \"m-1\", \"status\": \"DELIVRD\",}",
        ),
        (
            Route::ClearlineStatus,
            b"[{\"messageId\": \"m-1\", \"deliveryStatus\": \"Delivered\",},]",
        ),
    ];
    for (route, body) in cases {
        let callback =
            try_body(route, body).unwrap_or_else(|e| panic!("{route:?} {:?}: {e}", String::from_utf8_lossy(body)));
        assert_eq!(callback.status.len() + callback.inbound.len(), 1, "{route:?}");
    }
    // Commas inside strings are text, not trailing commas.
    let reply = only_inbound(
        try_body(
            Route::ClickatellSmsReply,
            b"{\"replyMessageId\": \"m-1\", \"text\": \"a, }\",}",
        )
        .unwrap(),
    );
    assert_eq!(reply.text.as_deref(), Some("a, }"));
    assert_eq!(reply.payload, json!({"replyMessageId": "m-1", "text": "a, }"}));
    let text_reply = only_inbound(
        try_body(
            Route::ClickatellOneApiReply,
            b"{\"event\": {\"moText\": [{\"messageId\": \"m-1\", \"content\": \"[x,]\",},],},}",
        )
        .unwrap(),
    );
    assert_eq!(text_reply.text.as_deref(), Some("[x,]"));
    let status = only_status(
        try_body(
            Route::ClickatellSmsStatus,
            b"\xEF\xBB\xBF{\"messageId\": \"m-1\", \"statusCode\": \"004\",}",
        )
        .unwrap(),
    );
    assert_eq!(
        (status.status, status.raw_code.as_deref()),
        (Status::Delivered, Some("004"))
    );
}

// ---------------------------------------------------------------------------
// Leniency as DESIGN.md section 4 names it, ISO 8601 elsewhere
// ---------------------------------------------------------------------------

#[test]
fn clickatell_iso_8601_timestamps_on_every_route() {
    let iso = "2023-11-14T22:13:20.123Z";
    let update = with(&one_api_update(json!(5), json!("DEVICE_ACK")), "timestamp", json!(iso));
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageStatusUpdate": [update]})),
    );
    assert_eq!(event.occurred_at, Some(T));
    let item = mo("mo-1", json!({"content": "hi", "timestamp": iso}));
    let message = only_inbound(body(Route::ClickatellOneApiReply, &one_api(json!({"moText": [item]}))));
    assert_eq!(message.occurred_at, Some(T));
    let message = only_inbound(body(
        Route::ClickatellSmsReply,
        &json!({"replyMessageId": "mo-1", "timestamp": iso}),
    ));
    assert_eq!(message.occurred_at, Some(T));
}

// ---------------------------------------------------------------------------
// Never a panic
// ---------------------------------------------------------------------------

/// Field names the parsers read, so that random objects reach them.
const FIELD_NAMES: [&str; 32] = [
    "messageId",
    "replyMessageId",
    "clientMessageId",
    "relatedMessageId",
    "status",
    "statusCode",
    "statusDescription",
    "timestamp",
    "to",
    "from",
    "fromNumber",
    "toNumber",
    "text",
    "channel",
    "event",
    "messageStatusUpdate",
    "messageFallback",
    "statusIsTyping",
    "moText",
    "moMedia",
    "moListPickerResponse",
    "moButtonResponse",
    "selectedItems",
    "selectedItem",
    "content",
    "caption",
    "contacts",
    "msg_id",
    "dlr_code",
    "deliveryStatus",
    "externalDeliveryStatus",
    "reasonText",
];

fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[0-9]{0,20}".prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?"
            .prop_map(Value::String),
        proptest::sample::select(vec!["DELIVRD", "DEVICE_ACK", "Delivered", "Failed", "004", " ", ""])
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            json_object(inner),
        ]
    })
    .boxed()
}

fn json_object(inner: impl Strategy<Value = Value> + Clone) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => proptest::sample::select(FIELD_NAMES.to_vec()).prop_map(String::from),
        1 => any::<String>(),
    ];
    proptest::collection::vec((key, inner), 0..8).prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

/// Whatever a parse gives, it is consistent: events have their message ids.
fn check_consistent(route: Route, result: Result<Callback, Unparseable>) -> Result<(), TestCaseError> {
    match result {
        Ok(callback) => {
            for event in &callback.status {
                prop_assert!(!event.message_id.trim().is_empty(), "{route:?} {event:?}");
                prop_assert_eq!(event.provider, route.provider());
                prop_assert!(!event.dedup_key.is_empty());
            }
            for message in &callback.inbound {
                prop_assert!(!message.message_id.trim().is_empty(), "{route:?} {message:?}");
                prop_assert!(message.payload.is_object(), "{route:?} {message:?}");
            }
        }
        Err(Unparseable(message)) => prop_assert!(!message.is_empty(), "{route:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for route in Route::ALL {
            check_consistent(route, parse(route, Input::Body(&bytes)))?;
            let text = String::from_utf8_lossy(&bytes);
            check_consistent(route, parse(route, Input::Query(&text)))?;
        }
    }

    #[test]
    fn never_panics_on_json_like_text(text in "[\\[\\]{}\",: 0-9a-zA-Z_\\\\.\\-\u{feff}]{0,200}") {
        for route in Route::ALL {
            check_consistent(route, parse(route, Input::Body(text.as_bytes())))?;
            check_consistent(route, parse(route, Input::Query(&text)))?;
        }
    }

    #[test]
    fn never_panics_on_arbitrary_json_objects(object in json_object(json_value())) {
        for route in Route::ALL {
            let text = object.to_string();
            check_consistent(route, parse(route, Input::Body(text.as_bytes())))?;
            // As a One API callback's event, and as a batch.
            let wrapped = json!({"event": object});
            check_consistent(route, parse(route, Input::Body(wrapped.to_string().as_bytes())))?;
            let batch = json!([object, object]);
            check_consistent(route, parse(route, Input::Body(batch.to_string().as_bytes())))?;
        }
    }

    #[test]
    fn never_panics_on_arbitrary_one_api_events(
        kind in proptest::sample::select(vec![
            "messageStatusUpdate", "messageFallback", "statusIsTyping", "moText", "moMedia", "moLocation",
            "moContacts", "moSuggestedResponse", "moListPickerResponse", "moButtonResponse", "moNew",
        ]),
        items in proptest::collection::vec(json_object(json_value()), 0..4),
        id in id(),
    ) {
        let items: Vec<Value> = items.into_iter().map(|item| with(&item, "messageId", json!(id))).collect();
        let callback = one_api(json!({ kind: items }));
        for route in [Route::ClickatellOneApiStatus, Route::ClickatellOneApiReply] {
            let result = parse(route, Input::Body(callback.to_string().as_bytes()));
            // A random malformed field never loses an event that has its id:
            // the parsers drop the field, not the event.
            if let Ok(parsed) = &result {
                for message in &parsed.inbound {
                    prop_assert_eq!(&message.message_id, &id);
                    prop_assert!(items.contains(&message.payload));
                }
            }
            check_consistent(route, result)?;
        }
    }
}
