//! Payloads as providers really send them, which the types generated from the
//! raw upstream documents would reject or mangle, are read correctly by ours
//! (the effective specs, `openapi/overlays/`), and read through
//! `smsgate::lenient` where the provider's scalars are off.
//!
//! Payloads that need no coercion must also survive a round trip:
//! `serde_json::to_value(read) == original`, unknown fields and event types
//! included.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use smsgate::clearline::callbacks::types as clearline_callbacks;
use smsgate::clickatell::one_api_callbacks::types as one_api;
use smsgate::clickatell::sms_api::types as clickatell_sms;
use smsgate::clickatell::sms_callbacks::types as sms_callbacks;
use smsgate::smarthive::callbacks::types as smarthive;

/// Reads `payload` as the receiver does: its bytes, through smsgate::lenient.
fn read<T: DeserializeOwned + schemars::JsonSchema>(payload: &Value) -> T {
    let bytes = serde_json::to_vec(payload).unwrap();
    smsgate::lenient::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{payload} does not read as {}: {e}", std::any::type_name::<T>()))
}

/// Reads `payload` (strictly and leniently) and checks that writing it back
/// gives `payload` again: nothing lost, renamed or added.
fn round_trip<T: DeserializeOwned + Serialize + schemars::JsonSchema>(payload: &Value) -> T {
    let strict: T = serde_json::from_value(payload.clone()).unwrap_or_else(|e| {
        panic!(
            "{payload} does not read strictly as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    assert_eq!(&serde_json::to_value(&strict).unwrap(), payload, "strict round trip");
    let lenient: T = read(payload);
    assert_eq!(&serde_json::to_value(&lenient).unwrap(), payload, "lenient round trip");
    lenient
}

fn status_events(callback: one_api::OmniStatusCallbackRequest) -> one_api::StatusEvents {
    callback.event.expect("the callback has an event object")
}

fn reply_events(callback: one_api::OmniReplyCallbackRequest) -> one_api::ReplyEvents {
    callback.event.expect("the callback has an event object")
}

// ---------------------------------------------------------------------------
// One API replies
// ---------------------------------------------------------------------------

/// Upstream, `birthday` had the pattern "YYYY-MM-DD" (the literal text), so
/// every real date was rejected.
#[test]
fn whatsapp_contact_with_a_real_birthday() {
    let payload = json!({
        "integrationId": "5f2a7c1e9b",
        "integrationName": "Support line",
        "event": {"moContacts": [{
            "channel": "whatsapp",
            "messageId": "a1b2c3d4e5",
            "relatedMessageId": "f6e5d4c3b2",
            "from": "27821234567",
            "to": "27820000000",
            "timestamp": 1700000000000_i64,
            "whatsapp": {"profileName": "Jane"},
            "contacts": [{
                "addresses": [{"street": "1 Main Rd", "city": "Cape Town", "zip": "8001",
                               "country": "South Africa", "country_code": "za", "type": "HOME"}],
                "birthday": "1990-05-17",
                "emails": [{"email": "jane@example.com", "type": "WORK"}],
                "name": {"formatted_name": "Jane Doe", "first_name": "Jane", "last_name": "Doe"},
                "org": {"company": "Acme", "title": "Engineer"},
                "phones": [{"phone": "+27 82 123 4567", "type": "CELL", "wa_id": "27821234567"}],
                "urls": [{"url": "https://example.com", "type": "WORK"}]
            }]
        }]}
    });
    let callback: one_api::OmniReplyCallbackRequest = round_trip(&payload);
    assert_eq!(callback.integration_id.as_deref(), Some("5f2a7c1e9b"));
    let events = reply_events(callback);
    assert_eq!(events.mo_contacts.len(), 1);
    let reply = &events.mo_contacts[0];
    assert_eq!(reply.channel.as_deref(), Some("whatsapp"));
    assert_eq!(reply.timestamp, Some(1_700_000_000_000));
    assert_eq!(
        reply.whatsapp.as_ref().and_then(|w| w.profile_name.as_deref()),
        Some("Jane")
    );
    let contact = &reply.contacts[0];
    assert_eq!(contact.birthday.as_deref(), Some("1990-05-17"));
    assert_eq!(contact.name["formatted_name"], "Jane Doe");
    assert_eq!(contact.org["company"], "Acme");
    assert_eq!(contact.addresses[0]["city"], "Cape Town");
    assert_eq!(contact.emails[0]["email"], "jane@example.com");
    assert_eq!(contact.phones[0]["wa_id"], "27821234567");
    assert_eq!(contact.urls[0]["url"], "https://example.com");
    assert!(contact.extra.is_empty(), "{:?}", contact.extra);
}

/// Upstream, MediaReply was `anyOf` inline | reference; typify made that an
/// untagged enum trying the inline variant first, which took every reference
/// reply and dropped its `files`.
#[test]
fn reference_media_reply_keeps_its_files() {
    let payload = json!({
        "integrationId": "5f2a7c1e9b",
        "event": {"moMedia": [{
            "channel": "whatsapp",
            "messageId": "m-100",
            "from": "27821234567",
            "to": "27820000000",
            "timestamp": 1700000000000_i64,
            "caption": "Receipt",
            "files": [
                {"contentType": "image/jpeg", "downloadUrl": "https://media.example.com/v1/abc",
                 "byteSize": 2048, "fileName": "receipt.jpg"},
                {"contentType": "application/pdf", "downloadUrl": "https://media.example.com/v1/def",
                 "byteSize": 73_400, "fileName": "invoice.pdf", "sha256Hash": "9f86d08188"}
            ]
        }]}
    });
    let events = reply_events(round_trip(&payload));
    let media = &events.mo_media[0];
    assert_eq!(media.caption.as_deref(), Some("Receipt"));
    assert_eq!(media.files.len(), 2);
    let file = &media.files[0];
    assert_eq!(file.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(file.download_url.as_deref(), Some("https://media.example.com/v1/abc"));
    assert_eq!(file.byte_size, Some(2048));
    assert_eq!(file.file_name.as_deref(), Some("receipt.jpg"));
    assert_eq!(media.files[1].byte_size, Some(73_400));
    assert_eq!(media.files[1].sha256_hash.as_deref(), Some("9f86d08188"));
    // Inline-only fields stay empty rather than being invented.
    assert_eq!(media.content, None);
    assert_eq!(media.content_type, None);
}

#[test]
fn inline_media_reply_keeps_its_content() {
    let payload = json!({"event": {"moMedia": [{
        "channel": "whatsapp",
        "messageId": "m-101",
        "content": "iVBORw0KGgo=",
        "contentType": "image/png",
        "sha256Hash": "2c26b46b68",
        "caption": "Logo"
    }]}});
    let events = reply_events(round_trip(&payload));
    let media = &events.mo_media[0];
    assert_eq!(media.content.as_deref(), Some("iVBORw0KGgo="));
    assert_eq!(media.content_type.as_deref(), Some("image/png"));
    assert_eq!(media.sha256_hash.as_deref(), Some("2c26b46b68"));
    assert!(media.files.is_empty());
}

/// Upstream, a file's byteSize, contentType and downloadUrl were required, a
/// contact's name too: one missing field lost the whole reply.
#[test]
fn missing_fields_are_read_as_absent() {
    let payload = json!({"event": {
        "moMedia": [{"channel": "whatsapp", "messageId": "m-102",
                     "files": [{"contentType": "audio/ogg", "downloadUrl": "https://media.example.com/v1/ogg"}]}],
        "moContacts": [{"channel": "whatsapp", "messageId": "m-103",
                        "contacts": [{"phones": [{"phone": "+27 82 000 0000"}]}]}]
    }});
    let events = reply_events(round_trip(&payload));
    let file = &events.mo_media[0].files[0];
    assert_eq!(file.byte_size, None);
    assert_eq!(file.download_url.as_deref(), Some("https://media.example.com/v1/ogg"));
    let contact = &events.mo_contacts[0].contacts[0];
    assert!(contact.name.is_empty());
    assert_eq!(contact.phones[0]["phone"], "+27 82 000 0000");

    // A callback with no event at all.
    let bare: one_api::OmniStatusCallbackRequest = round_trip(&json!({"integrationId": "i-1"}));
    assert!(bare.event.is_none());
    assert_eq!(bare.integration_id.as_deref(), Some("i-1"));
}

/// Upstream, LocationReply declared the misspelled `latitute` beside
/// `latitude`; a payload may carry either.
#[test]
fn location_reply_with_the_misspelled_latitute() {
    let payload = json!({"event": {"moLocation": [{
        "channel": "whatsapp",
        "messageId": "loc-1",
        "charset": "UTF-8",
        "latitute": "-33.9249",
        "longitude": "18.4241",
        "locationName": "Company Gardens",
        "locationAddress": "Queen Victoria St, Cape Town"
    }]}});
    let events = reply_events(round_trip(&payload));
    let location = &events.mo_location[0];
    assert_eq!(location.latitute.as_deref(), Some("-33.9249"));
    assert_eq!(location.latitude, None);
    assert_eq!(location.longitude.as_deref(), Some("18.4241"));
    assert_eq!(location.location_name.as_deref(), Some("Company Gardens"));
    assert!(
        location.extra.is_empty(),
        "latitute is a known field: {:?}",
        location.extra
    );

    // Coordinates sent as numbers are read as the strings the spec declares;
    // a missing charset stays missing (nothing is added on the way back).
    let numeric = json!({"event": {"moLocation": [{"latitude": -33.9249, "longitude": 18.4241}]}});
    let events = reply_events(read(&numeric));
    let location = &events.mo_location[0];
    assert_eq!(location.latitude.as_deref(), Some("-33.9249"));
    assert_eq!(location.longitude.as_deref(), Some("18.4241"));
    assert_eq!(location.charset, None);
    assert!(serde_json::to_value(location).unwrap().get("charset").is_none());
}

/// Upstream, `channel` was the closed enum [sms, whatsapp].
#[test]
fn rcs_channel_on_replies_and_statuses() {
    let reply = json!({"integrationId": "i-2", "event": {
        "moText": [{"channel": "rcs", "messageId": "t-1", "from": "27821234567", "to": "27820000000",
                    "timestamp": 1700000000001_i64, "content": "Hello", "charset": "UTF-8"}],
        "moSuggestedResponse": [{"channel": "rcs", "messageId": "t-2", "postbackData": "yes", "content": "Yes"}]
    }});
    let events = reply_events(round_trip(&reply));
    assert_eq!(events.mo_text[0].channel.as_deref(), Some("rcs"));
    assert_eq!(events.mo_text[0].content.as_deref(), Some("Hello"));
    assert_eq!(events.mo_suggested_response[0].channel.as_deref(), Some("rcs"));
    assert_eq!(events.mo_suggested_response[0].postback_data.as_deref(), Some("yes"));

    let status = json!({"integrationId": "i-2", "event": {
        "messageStatusUpdate": [{"channel": "rcs", "messageId": "s-1", "statusCode": 5,
                                 "status": "DEVICE_ACK", "timestamp": 1700000000002_i64}],
        "statusIsTyping": [{"channel": "rcs", "from": "27821234567", "timestamp": 1700000000003_i64}]
    }});
    let events = status_events(round_trip(&status));
    assert_eq!(events.message_status_update[0].channel.as_deref(), Some("rcs"));
    assert_eq!(events.message_status_update[0].status_code, Some(5));
    assert_eq!(events.status_is_typing[0].channel.as_deref(), Some("rcs"));
    assert_eq!(events.status_is_typing[0].from.as_deref(), Some("27821234567"));
}

// ---------------------------------------------------------------------------
// One API statuses
// ---------------------------------------------------------------------------

/// Upstream, FallbackStatus.statusDescription was an int32.
#[test]
fn message_fallback_with_a_text_status_description() {
    let payload = json!({"integrationId": "i-3", "integrationName": "Orders", "event": {"messageFallback": [{
        "channel": "whatsapp",
        "messageId": "f-1",
        "clientMessageId": "order-42",
        "timestamp": 1700000000000_i64,
        "status": "FALLBACK",
        "statusDescription": "Fallback to SMS"
    }]}});
    let events = status_events(round_trip(&payload));
    let fallback = &events.message_fallback[0];
    assert_eq!(fallback.status_description.as_deref(), Some("Fallback to SMS"));
    assert_eq!(fallback.client_message_id.as_deref(), Some("order-42"));
    assert_eq!(fallback.status.as_deref(), Some("FALLBACK"));
    assert_eq!(fallback.timestamp, Some(1_700_000_000_000));
}

#[test]
fn numbers_sent_as_strings_and_strings_as_numbers() {
    let status = json!({"integrationId": 987, "event": {"messageStatusUpdate": [{
        "channel": "sms",
        "messageId": 12345,
        "clientMessageId": 42,
        "statusCode": "4",
        "status": "RECEIVED_BY_RECIPIENT",
        "timestamp": "1700000000000"
    }]}});
    let callback: one_api::OmniStatusCallbackRequest = read(&status);
    assert_eq!(callback.integration_id.as_deref(), Some("987"));
    let update = &status_events(callback).message_status_update[0];
    assert_eq!(update.message_id.as_deref(), Some("12345"));
    assert_eq!(update.client_message_id.as_deref(), Some("42"));
    assert_eq!(update.status_code, Some(4));
    assert_eq!(update.timestamp, Some(1_700_000_000_000));

    let reply = json!({"event": {
        "moText": [{"channel": "sms", "messageId": 12345, "timestamp": " 1700000000000 ", "content": "Hi",
                    "sms": {"network": "655", "udh": ""}}],
        "moMedia": [{"messageId": "m-1", "files": [{"contentType": "image/png",
                     "downloadUrl": "https://media.example.com/v1/png", "byteSize": "2048"}]}]
    }});
    let events = reply_events(read(&reply));
    let text = &events.mo_text[0];
    assert_eq!(text.message_id.as_deref(), Some("12345"));
    assert_eq!(text.timestamp, Some(1_700_000_000_000));
    assert_eq!(text.sms.as_ref().and_then(|s| s.network), Some(655));
    assert_eq!(text.sms.as_ref().and_then(|s| s.udh.as_deref()), Some(""));
    assert_eq!(events.mo_media[0].files[0].byte_size, Some(2048));

    // A contact's phone objects are maps of strings: a WhatsApp id sent as a
    // number is read as its digits.
    let contact = json!({"event": {"moContacts": [{"contacts": [{
        "name": {"formatted_name": "Sam"},
        "phones": [{"phone": "+27 82 999 9999", "wa_id": 27829999999_i64}]
    }]}]}});
    let events = reply_events(read(&contact));
    assert_eq!(events.mo_contacts[0].contacts[0].phones[0]["wa_id"], "27829999999");

    let typing = json!({"event": {"statusIsTyping": [{"from": 27821234567_i64, "timestamp": "1700000000000"}]}});
    let events = status_events(read(&typing));
    assert_eq!(events.status_is_typing[0].from.as_deref(), Some("27821234567"));
    assert_eq!(events.status_is_typing[0].timestamp, Some(1_700_000_000_000));

    // What cannot be coerced is an error naming the path, not a silent zero.
    let bad = json!({"event": {"messageStatusUpdate": [{"statusCode": "four"}]}});
    let err = smsgate::lenient::from_slice::<one_api::OmniStatusCallbackRequest>(&serde_json::to_vec(&bad).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("event.messageStatusUpdate[0].statusCode"), "{err}");
}

#[test]
fn unknown_event_types_and_fields_are_kept() {
    let reaction = json!([{"channel": "whatsapp", "messageId": "r-1", "relatedMessageId": "m-1",
                          "emoji": "\u{1F44D}", "timestamp": 1700000000004_i64}]);
    let reply = json!({
        "integrationId": "i-4",
        "batchId": "b-77",
        "event": {
            "moText": [{"channel": "whatsapp", "messageId": "t-9", "content": "Thanks",
                        "conversationId": "conv-1", "context": {"forwarded": true, "frequentlyForwarded": false},
                        "whatsapp": {"profileName": "Sam", "waId": "27829999999"}}],
            "moReaction": reaction
        }
    });
    let callback: one_api::OmniReplyCallbackRequest = round_trip(&reply);
    assert_eq!(callback.extra.get("batchId"), Some(&json!("b-77")));
    let events = reply_events(callback);
    assert_eq!(events.extra.get("moReaction"), Some(&reaction));
    assert_eq!(events.extra.len(), 1, "{:?}", events.extra);
    let text = &events.mo_text[0];
    assert_eq!(text.content.as_deref(), Some("Thanks"));
    assert_eq!(text.extra.get("conversationId"), Some(&json!("conv-1")));
    assert_eq!(
        text.extra.get("context"),
        Some(&json!({"forwarded": true, "frequentlyForwarded": false}))
    );
    let whatsapp = text.whatsapp.as_ref().unwrap();
    assert_eq!(whatsapp.profile_name.as_deref(), Some("Sam"));
    assert_eq!(whatsapp.extra.get("waId"), Some(&json!("27829999999")));

    let read_receipt = json!([{"channel": "whatsapp", "messageId": "s-9", "timestamp": 1700000000005_i64}]);
    let status = json!({"event": {
        "messageStatusUpdate": [{"channel": "whatsapp", "messageId": "s-9", "statusCode": 6, "status": "READ",
                                 "pricing": {"billable": true, "category": "service"}}],
        "messageRead": read_receipt
    }});
    let events = status_events(round_trip(&status));
    assert_eq!(events.extra.get("messageRead"), Some(&read_receipt));
    let update = &events.message_status_update[0];
    assert_eq!(update.status.as_deref(), Some("READ"));
    assert_eq!(
        update.extra.get("pricing"),
        Some(&json!({"billable": true, "category": "service"}))
    );
}

#[test]
fn several_events_in_one_body() {
    let status = json!({"integrationId": "i-5", "event": {
        "messageStatusUpdate": [
            {"channel": "whatsapp", "messageId": "s-1", "statusCode": 2, "status": "DELIVERED_TO_GATEWAY",
             "timestamp": 1700000000000_i64},
            {"channel": "whatsapp", "messageId": "s-1", "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT",
             "timestamp": 1700000000100_i64}
        ],
        "messageFallback": [{"channel": "whatsapp", "messageId": "s-2", "statusDescription": "Fallback to SMS"}],
        "statusIsTyping": [{"channel": "whatsapp", "from": "27821234567", "timestamp": 1700000000200_i64}]
    }});
    let events = status_events(round_trip(&status));
    let codes: Vec<_> = events.message_status_update.iter().map(|u| u.status_code).collect();
    assert_eq!(codes, [Some(2), Some(4)]);
    assert_eq!(events.message_status_update[1].timestamp, Some(1_700_000_000_100));
    assert_eq!(events.message_fallback[0].message_id.as_deref(), Some("s-2"));
    assert_eq!(events.status_is_typing[0].timestamp, Some(1_700_000_000_200));

    let reply = json!({"integrationId": "i-5", "event": {
        "moText": [{"messageId": "t-1", "content": "one"}, {"messageId": "t-2", "content": "two"}],
        "moLocation": [{"messageId": "l-1", "charset": "UTF-8", "latitude": "1.5", "longitude": "2.5"}],
        "moButtonResponse": [{"messageId": "b-1", "postbackData": "pb",
                              "selectedItem": {"postbackData": "pb", "content": "Yes"}}],
        "moListPickerResponse": [{"messageId": "p-1",
                                  "selectedItems": [{"postbackData": "a", "content": "A"},
                                                    {"postbackData": "b", "content": "B"}]}],
        "moSuggestedResponse": [{"messageId": "g-1", "postbackData": "later", "content": "Later"}]
    }});
    let events = reply_events(round_trip(&reply));
    let texts: Vec<_> = events.mo_text.iter().map(|t| t.content.as_deref()).collect();
    assert_eq!(texts, [Some("one"), Some("two")]);
    assert_eq!(events.mo_location[0].latitude.as_deref(), Some("1.5"));
    assert_eq!(
        events.mo_button_response[0]
            .selected_item
            .as_ref()
            .and_then(|i| i.content.as_deref()),
        Some("Yes")
    );
    let picked: Vec<_> = events.mo_list_picker_response[0]
        .selected_items
        .iter()
        .map(|i| i.postback_data.as_deref())
        .collect();
    assert_eq!(picked, [Some("a"), Some("b")]);
    assert_eq!(events.mo_suggested_response[0].content.as_deref(), Some("Later"));
}

// ---------------------------------------------------------------------------
// Round trips of random unknown fields
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Clickatell SMS callbacks (POST)
// ---------------------------------------------------------------------------

#[test]
fn sms_status_callback_keeps_unknown_fields() {
    let payload = json!({
        "integrationName": "My integration",
        "messageId": "e1b2c3d4e5f60718293a4b5c6d7e8f90",
        "requestId": "7f3a2b1c",
        "clientMessageId": "order-42",
        "to": "27820000000",
        "from": "27821111111",
        "statusCode": 4,
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": "1700000000000",
        "channel": "sms",
        "messagePrice": {"amount": 0.25, "currency": "ZAR"}
    });
    let status: sms_callbacks::SmsStatusCallback = round_trip(&payload);
    assert_eq!(status.message_id.as_deref(), Some("e1b2c3d4e5f60718293a4b5c6d7e8f90"));
    assert_eq!(status.request_id.as_deref(), Some("7f3a2b1c"));
    assert_eq!(status.client_message_id.as_deref(), Some("order-42"));
    assert_eq!(status.to.as_deref(), Some("27820000000"));
    assert_eq!(status.from.as_deref(), Some("27821111111"));
    assert_eq!(status.status_code, Some(4));
    assert_eq!(status.status.as_deref(), Some("RECEIVED_BY_RECIPIENT"));
    assert_eq!(status.status_description.as_deref(), Some("Received by recipient"));
    assert_eq!(status.timestamp.as_deref(), Some("1700000000000"));
    assert_eq!(status.extra.get("channel"), Some(&json!("sms")));
    assert_eq!(
        status.extra.get("messagePrice"),
        Some(&json!({"amount": 0.25, "currency": "ZAR"}))
    );
    assert_eq!(status.extra.len(), 2);
}

#[test]
fn sms_status_callback_with_provider_scalars() {
    // The spec types timestamp as a string, statusCode as an integer; a
    // millisecond timestamp sent as a number and a status code as a string
    // are read all the same.
    let payload = json!({"messageId": "abc", "statusCode": "004", "status": "RECEIVED_BY_RECIPIENT",
                         "timestamp": 1700000000000_i64});
    let status: sms_callbacks::SmsStatusCallback = read(&payload);
    assert_eq!(status.status_code, Some(4));
    assert_eq!(status.timestamp.as_deref(), Some("1700000000000"));
    assert!(status.extra.is_empty(), "{:?}", status.extra);
}

#[test]
fn sms_reply_callback_keeps_unknown_fields() {
    let payload = json!({
        "integrationName": "My integration",
        "replyMessageId": "r-0001",
        "messageId": "e1b2c3d4",
        "fromNumber": "27821111111",
        "toNumber": "27820000000",
        "timestamp": 1700000000000_i64,
        "text": "STOP",
        "charset": "UTF-8",
        "udh": "",
        "network": 655,
        "keyword": "STOP",
        "smsCount": 1,
        "mms": null
    });
    let reply: sms_callbacks::SendReplyMessageRequest = round_trip(&payload);
    assert_eq!(reply.reply_message_id.as_deref(), Some("r-0001"));
    assert_eq!(reply.message_id.as_deref(), Some("e1b2c3d4"));
    assert_eq!(reply.from_number.as_deref(), Some("27821111111"));
    assert_eq!(reply.to_number.as_deref(), Some("27820000000"));
    assert_eq!(reply.timestamp, Some(1_700_000_000_000));
    assert_eq!(reply.text.as_deref(), Some("STOP"));
    assert_eq!(reply.udh.as_deref(), Some(""));
    assert_eq!(reply.network, Some(655));
    assert_eq!(reply.keyword.as_deref(), Some("STOP"));
    assert_eq!(reply.extra.get("smsCount"), Some(&json!(1)));
    assert_eq!(reply.extra.get("mms"), Some(&Value::Null));

    let coerced = json!({"replyMessageId": 1001, "timestamp": "1700000000000", "network": "655", "text": 1234});
    let reply: sms_callbacks::SendReplyMessageRequest = read(&coerced);
    assert_eq!(reply.reply_message_id.as_deref(), Some("1001"));
    assert_eq!(reply.timestamp, Some(1_700_000_000_000));
    assert_eq!(reply.network, Some(655));
    assert_eq!(reply.text.as_deref(), Some("1234"));
}

// ---------------------------------------------------------------------------
// Clickatell SMS API responses
// ---------------------------------------------------------------------------

#[test]
fn send_messages_response_keeps_unknown_fields() {
    let payload = json!({
        "messages": [
            {"apiMessageId": "1d1e1f2a3b", "accepted": true, "to": "27820000000", "parts": 2},
            {"accepted": false, "to": "2782", "errorCode": 105, "error": "Invalid destination address",
             "errorDescription": "The destination address you specified is invalid."}
        ],
        "requestId": "req-9"
    });
    let response: clickatell_sms::SendMessagesListResponse = round_trip(&payload);
    assert_eq!(response.messages.len(), 2);
    let sent = &response.messages[0];
    assert_eq!(sent.api_message_id.as_deref(), Some("1d1e1f2a3b"));
    assert_eq!(sent.accepted, Some(true));
    assert_eq!(sent.extra.get("parts"), Some(&json!(2)));
    let refused = &response.messages[1];
    assert_eq!(refused.accepted, Some(false));
    assert_eq!(refused.error_code, Some(105));
    assert_eq!(refused.error.as_deref(), Some("Invalid destination address"));
    assert_eq!(response.extra.get("requestId"), Some(&json!("req-9")));
    assert_eq!(response.error_code, None);
}

#[test]
fn send_messages_response_as_clickatell_sends_it() {
    // Clickatell sends the absent error fields as explicit nulls, and error
    // codes as strings at times: read as absent, and as numbers.
    let payload = json!({
        "messages": [{"apiMessageId": "1d1e1f2a3b", "accepted": true, "to": "27820000000",
                      "errorCode": null, "error": null, "errorDescription": null}],
        "errorCode": null, "error": null, "errorDescription": null
    });
    let response: clickatell_sms::SendMessagesListResponse = read(&payload);
    assert_eq!(response.messages[0].api_message_id.as_deref(), Some("1d1e1f2a3b"));
    assert_eq!(response.messages[0].error_code, None);
    assert!(
        response.messages[0].extra.is_empty(),
        "{:?}",
        response.messages[0].extra
    );
    assert_eq!(response.error, None);
    // Written back, the nulls are left out; every value is kept.
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"messages": [{"apiMessageId": "1d1e1f2a3b", "accepted": true, "to": "27820000000"}]})
    );

    let failed = json!({"errorCode": "1", "error": "Invalid or missing authentication details",
                        "errorDescription": "Please provide valid authentication details.", "traceId": 77});
    let response: clickatell_sms::SendMessagesListResponse = read(&failed);
    assert!(response.messages.is_empty());
    assert_eq!(response.error_code, Some(1));
    assert_eq!(
        response.error.as_deref(),
        Some("Invalid or missing authentication details")
    );
    assert_eq!(response.extra.get("traceId"), Some(&json!(77)));
}

// ---------------------------------------------------------------------------
// SmartHive and ClearLine
// ---------------------------------------------------------------------------

#[test]
fn smarthive_report_with_numbers_and_new_fields() {
    let body = br#"{"msg_id": "jyd823-23n", "status": "UNDELIV", "dlr_code": "err:001", "timestamp": "202311042057",
        "str_length": 157, "pg_length": 1, "cost": 3.0, "desc": "UNDELIVERED", "network": "MTN",}"#;
    let report: smarthive::SmartHiveStatusCallback = smsgate::lenient::from_slice(body).unwrap();
    assert_eq!(report.status.as_deref(), Some("UNDELIV"));
    assert_eq!(report.str_length.as_deref(), Some("157"));
    assert_eq!(report.pg_length.as_deref(), Some("1"));
    // The page gives cost no type: kept as sent.
    assert_eq!(report.cost, Some(json!(3.0)));
    assert_eq!(report.extra.get("network"), Some(&json!("MTN")));
    assert_eq!(report.extra.len(), 1);
}

#[test]
fn clearline_status_outside_the_documented_list() {
    let payload = json!({"messageId": "cl-1", "deliveryStatus": "Expired", "externalDeliveryStatus": "EXPIRED",
                         "reasonText": "Validity period elapsed", "attempt": 3});
    let callback: clearline_callbacks::DeliveryStatusCallback = round_trip(&payload);
    assert_eq!(callback.delivery_status.as_deref(), Some("Expired"));
    assert_eq!(callback.external_delivery_status.as_deref(), Some("EXPIRED"));
    assert_eq!(callback.reason_text.as_deref(), Some("Validity period elapsed"));
    assert_eq!(callback.extra.get("attempt"), Some(&json!(3)));
}
