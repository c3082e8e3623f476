//! Clickatell One API statuses as they really come: a text fallback
//! description, numbers as strings and strings as numbers, unknown event
//! types and fields kept, several events in one body.

use serde_json::json;
use smsgate::clickatell::one_api_callbacks::types as one_api;

use crate::{read, reply_events, round_trip, status_events};

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
