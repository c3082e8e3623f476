//! Never a panic: random JSON, with the field names the parsers read, on
//! every route, gives a consistent callback or an `Unparseable`.

use proptest::prelude::*;
use serde_json::{Value, json};
use smsgate_callbacks::{Callback, Input, Route, Unparseable, parse};

use crate::dedup_keys::id;
use crate::payloads::one_api;
use crate::with;

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
