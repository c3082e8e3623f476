//! Clickatell One API replies as they really come: real birthdays, media
//! replies by reference and inline, missing fields, the misspelled
//! `latitute`, the `rcs` channel.

use serde_json::json;
use smsgate::clickatell::one_api_callbacks::types as one_api;

use crate::{read, reply_events, round_trip, status_events};

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
