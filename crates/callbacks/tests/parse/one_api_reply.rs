//! Clickatell One API reply callbacks: the seven inbound types with their
//! text and payload, the text rules when there is none, and unknown types.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use smsgate_callbacks::{Input, Route, parse};
use smsgate_normalize::{InboundMessage, InboundType, Provider};

use crate::payloads::{T, mo, one_api, seven_inbound_types};
use crate::{body, err_of, only_inbound, spec, with, without};

pub fn mo_message(id: &str, kind: InboundType, text: Option<&str>, payload: Value) -> InboundMessage {
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
    // Counted as an event type our spec does not know, not refused.
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
