//! Round trips of random unknown fields: whatever a provider adds, at any
//! level, is read and written back unchanged.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use smsgate::clickatell::one_api_callbacks::types as one_api;

const CALLBACK_FIELDS: &[&str] = &["integrationId", "integrationName", "event"];
const STATUS_EVENTS_FIELDS: &[&str] = &["messageStatusUpdate", "messageFallback", "statusIsTyping"];
const MESSAGE_STATUS_FIELDS: &[&str] = &[
    "channel",
    "clientMessageId",
    "messageId",
    "status",
    "statusCode",
    "timestamp",
];
const TEXT_REPLY_FIELDS: &[&str] = &[
    "channel",
    "messageId",
    "relatedMessageId",
    "relatedClientMessageId",
    "from",
    "to",
    "timestamp",
    "encryptionKey",
    "whatsapp",
    "charset",
    "content",
    "sms",
];

/// An arbitrary JSON scalar.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[0-9]{1,12}".prop_map(Value::from),
    ]
}

/// A field name: identifier-like or any string at all.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z_][a-zA-Z0-9_]{0,15}", any::<String>()]
}

/// Unknown fields: names that are none of `known`, scalar values.
fn extra_fields(known: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(field_name(), scalar(), 0..6).prop_map(move |fields| {
        fields
            .into_iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .collect()
    })
}

fn with_extra(mut object: Value, extra: &Map<String, Value>) -> Value {
    let fields = object.as_object_mut().unwrap();
    for (k, v) in extra {
        fields.insert(k.clone(), v.clone());
    }
    object
}

/// Reads `original` from its bytes, strictly and leniently, and checks that
/// what is written back is what the bytes say. Returns what was read and
/// the received JSON: the bytes parsed, which is what the read value is
/// compared with (serde_json, without its `float_roundtrip` feature, may
/// parse a float it wrote 1 ulp off, before smsgate sees it).
fn bytes_round_trip<T: DeserializeOwned + Serialize + schemars::JsonSchema>(original: &Value) -> (T, Value) {
    let bytes = serde_json::to_vec(original).unwrap();
    let received: Value = serde_json::from_slice(&bytes).unwrap();
    let strict: T = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(serde_json::to_value(&strict).unwrap(), received);
    let lenient: T = smsgate::lenient::from_slice(&bytes).unwrap();
    assert_eq!(serde_json::to_value(&lenient).unwrap(), received);
    (lenient, received)
}

/// The fields of `object` that are none of `known`.
fn unknown_fields(object: &Value, known: &[&str]) -> Map<String, Value> {
    let fields = object.as_object().expect("an object");
    fields
        .iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn same_names(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    a.keys().eq(b.keys())
}

proptest! {
    // No regression files: cases are random each run, and this file is the test.
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn unknown_fields_of_status_callbacks_survive_a_round_trip(
        top in extra_fields(CALLBACK_FIELDS),
        events_extra in extra_fields(STATUS_EVENTS_FIELDS),
        per_update in prop::collection::vec(extra_fields(MESSAGE_STATUS_FIELDS), 1..4),
    ) {
        let updates: Vec<Value> = per_update
            .iter()
            .enumerate()
            .map(|(i, extra)| with_extra(json!({"channel": "whatsapp", "messageId": format!("m-{i}"),
                                                "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT",
                                                "timestamp": 1700000000000_i64}), extra))
            .collect();
        let event = with_extra(json!({"messageStatusUpdate": updates}), &events_extra);
        let original = with_extra(json!({"integrationId": "i-1", "integrationName": "n", "event": event}), &top);

        let (callback, received) = bytes_round_trip::<one_api::OmniStatusCallbackRequest>(&original);
        prop_assert_eq!(&callback.extra, &unknown_fields(&received, CALLBACK_FIELDS));
        prop_assert!(same_names(&callback.extra, &top));
        prop_assert_eq!(callback.integration_id.as_deref(), Some("i-1"));
        let events = callback.event.unwrap();
        prop_assert_eq!(&events.extra, &unknown_fields(&received["event"], STATUS_EVENTS_FIELDS));
        prop_assert!(same_names(&events.extra, &events_extra));
        prop_assert_eq!(events.message_status_update.len(), per_update.len());
        for (i, (update, extra)) in events.message_status_update.iter().zip(&per_update).enumerate() {
            let sent = &received["event"]["messageStatusUpdate"][i];
            prop_assert_eq!(&update.extra, &unknown_fields(sent, MESSAGE_STATUS_FIELDS));
            prop_assert!(same_names(&update.extra, extra));
            prop_assert_eq!(update.status_code, Some(4));
            prop_assert_eq!(update.message_id.clone(), Some(format!("m-{i}")));
        }
    }

    #[test]
    fn unknown_fields_of_reply_callbacks_survive_a_round_trip(
        top in extra_fields(CALLBACK_FIELDS),
        text_extra in extra_fields(TEXT_REPLY_FIELDS),
        content in any::<String>(),
    ) {
        let text = with_extra(json!({"channel": "sms", "messageId": "t-1", "content": content,
                                     "timestamp": 1700000000000_i64}), &text_extra);
        let original = with_extra(json!({"integrationId": "i-1", "event": {"moText": [text]}}), &top);

        let (callback, received) = bytes_round_trip::<one_api::OmniReplyCallbackRequest>(&original);
        prop_assert_eq!(&callback.extra, &unknown_fields(&received, CALLBACK_FIELDS));
        prop_assert!(same_names(&callback.extra, &top));
        let events = callback.event.unwrap();
        let sent = &received["event"]["moText"][0];
        prop_assert_eq!(&events.mo_text[0].extra, &unknown_fields(sent, TEXT_REPLY_FIELDS));
        prop_assert!(same_names(&events.mo_text[0].extra, &text_extra));
        prop_assert_eq!(events.mo_text[0].content.as_deref(), Some(content.as_str()));
    }
}
