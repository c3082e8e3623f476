//! ClearLine's status callback: the documented callback, the external
//! delivery status first, and what is lenient or missing.

use serde_json::json;
use smsgate_callbacks::Route;
use smsgate_normalize::{Provider, Status, StatusEvent};

use crate::payloads::clearline_example;
use crate::{assert_status, err_of, keys, only_status, spec_properties, status_of, try_body, with};

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
