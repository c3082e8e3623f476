//! One module per provider: its callback documents into normalized events.

mod clearline;
mod clickatell_one_api;
mod clickatell_sms;
mod smarthive;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Callback, Route, Unparseable};

pub(crate) fn parse(route: Route, document: Value, out: &mut Callback) -> Result<(), Unparseable> {
    match route {
        Route::ClickatellSmsStatus => clickatell_sms::status(&document, out),
        Route::ClickatellSmsReply => clickatell_sms::reply(&document, out),
        Route::ClickatellOneApiStatus => clickatell_one_api::status(&document, out),
        Route::ClickatellOneApiReply => clickatell_one_api::reply(&document, out),
        Route::SmarthiveStatus => smarthive::status(&document, out),
        Route::ClearlineStatus => clearline::status(&document, out),
    }
}

/// Reads a callback body straight into its generated type, without the
/// JSON tree of [`parse`]: for the routes whose callback is one flat object
/// of strings (ClearLine, SmartHive), which nearly every such body is.
/// `None` when the body is not that (a batch, a byte-order mark, a trailing
/// comma, a field of another JSON type, a repeated field, no JSON at all):
/// then [`parse`] reads it, and reads the same events from a body this
/// reads (a property test below checks it).
pub(crate) fn direct(route: Route, body: &[u8], out: &mut Callback) -> Option<Result<(), Unparseable>> {
    match route {
        Route::SmarthiveStatus => smarthive::status_direct(body, out),
        Route::ClearlineStatus => clearline::status_direct(body, out),
        _ => None,
    }
}

/// Reads `document` as the generated type `T`; a field that does not fit is
/// left out of the typed view (the raw request keeps it).
///
/// Most callbacks fit their type as they come, and are read directly. The
/// lenient reading (a copy of the document, scalars coerced as the
/// schema wants, a path kept for each error) runs only for the rest: it
/// changes only values that do not fit their type, so it reads a
/// fitting document the same (a property test below checks it on random
/// documents of each type).
fn typed<T: DeserializeOwned + JsonSchema>(document: &Value) -> Result<T, Unparseable> {
    if let Ok(read) = T::deserialize(document) {
        return Ok(read);
    }
    lenient::<T>(document)
}

/// The lenient reading of [`typed`].
fn lenient<T: DeserializeOwned + JsonSchema>(document: &Value) -> Result<T, Unparseable> {
    smsgate::lenient::from_value_lossy::<T>(document.clone())
        .map(|(value, _dropped)| value)
        .map_err(|e| Unparseable(e.to_string()))
}

/// Like [`typed`], for Clickatell events whose `timestamp` the spec types
/// as integer milliseconds but which may come as ISO 8601: rewritten as
/// milliseconds first, so the typed reading keeps the time.
fn typed_clickatell<T: DeserializeOwned + JsonSchema>(document: &Value) -> Result<T, Unparseable> {
    typed(&crate::fields::iso_timestamp_as_millis(document))
}

/// Events need the id of the message they are about.
fn required_id(id: Option<String>, field: &str) -> Result<String, Unparseable> {
    match id {
        Some(id) if !id.trim().is_empty() => Ok(id),
        _ => Err(Unparseable(format!(
            "an event without `{field}`: it cannot be matched to a message"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Serialize;
    use smsgate::clearline::callbacks::types::DeliveryStatusCallback;
    use smsgate::clickatell::one_api_callbacks::types::{
        ButtonResponseReply, ContactsReply, FallbackStatus, ListPickerResponseReply, LocationReply, MediaReply,
        MessageStatus, SuggestedResponseReply, TextReply,
    };
    use smsgate::clickatell::sms_callbacks::types::{SendReplyMessageRequest, SmsStatusCallback};
    use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;

    use super::*;

    /// Values of every JSON type, the right one for a field often enough.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[0-9]{0,12}".prop_map(Value::String),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    /// Objects with some of `T`'s documented properties and an unknown one.
    fn document<T: JsonSchema>() -> impl Strategy<Value = Value> {
        objects_of::<T>(value())
    }

    /// Objects with some of `T`'s documented properties and an unknown one,
    /// each of a value from `field`.
    fn objects_of<T: JsonSchema>(field: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
        let schema = schemars::schema_for!(T);
        let mut names: Vec<String> = schema
            .schema
            .object
            .map(|object| object.properties.keys().cloned().collect())
            .unwrap_or_default();
        names.push("unknownField".into());
        proptest::collection::btree_map(proptest::sample::select(names), field, 0..8)
            .prop_map(|fields| Value::Object(fields.into_iter().collect()))
    }

    /// A document read directly is read the same by the lenient reading.
    fn agrees<T: DeserializeOwned + JsonSchema + Serialize>(document: &Value) -> Result<(), TestCaseError> {
        if let Ok(direct) = T::deserialize(document) {
            let lenient = lenient::<T>(document).map_err(|e| TestCaseError::fail(e.0))?;
            prop_assert_eq!(
                serde_json::to_value(direct).unwrap(),
                serde_json::to_value(lenient).unwrap()
            );
        }
        Ok(())
    }

    macro_rules! direct_reading_agrees_with_the_lenient_one {
        ($($name:ident: $type:ty,)*) => {
            proptest! {
                #![proptest_config(ProptestConfig::with_cases(200))]
                $(
                    #[test]
                    fn $name(document in document::<$type>()) {
                        agrees::<$type>(&document)?;
                    }
                )*
            }
        };
    }

    /// Documents of `T` whose fields are often strings, as providers send them.
    fn stringy<T: JsonSchema>() -> impl Strategy<Value = Value> {
        objects_of::<T>(prop_oneof![
            3 => any::<String>().prop_map(Value::String),
            1 => "[0-9]{12}".prop_map(Value::String),
            1 => value(),
        ])
    }

    /// A body [`direct`] reads gives the events (or the error) that the
    /// JSON tree of the same document gives.
    fn body_agrees(route: Route, document: &Value) -> Result<(), TestCaseError> {
        let body = serde_json::to_vec(document).unwrap();
        let mut straight = Callback::default();
        let Some(read) = direct(route, &body, &mut straight) else {
            return Ok(());
        };
        let mut tree = Callback::default();
        let from_tree = parse(route, document.clone(), &mut tree);
        prop_assert_eq!(read.map_err(|e| e.0), from_tree.map_err(|e| e.0));
        prop_assert_eq!(straight, tree);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn a_clearline_body_read_directly_agrees_with_its_tree(document in stringy::<DeliveryStatusCallback>()) {
            body_agrees(Route::ClearlineStatus, &document)?;
        }

        #[test]
        fn a_smarthive_body_read_directly_agrees_with_its_tree(document in stringy::<SmartHiveStatusCallback>()) {
            body_agrees(Route::SmarthiveStatus, &document)?;
        }
    }

    #[test]
    fn a_repeated_field_is_left_to_the_tree() {
        let body = br#"{"messageId":"a","messageId":"b","deliveryStatus":"Delivered"}"#;
        assert!(direct(Route::ClearlineStatus, body, &mut Callback::default()).is_none());
        let body = br#"{"msg_id":"a","status":"DELIVRD","status":"UNDELIV"}"#;
        assert!(direct(Route::SmarthiveStatus, body, &mut Callback::default()).is_none());
    }

    #[test]
    fn a_body_of_another_shape_is_left_to_the_tree() {
        for body in [
            &br#"[{"messageId":"a"}]"#[..],
            br#"{"messageId":"a",}"#,
            b"\xEF\xBB\xBF{\"messageId\":\"a\"}",
            br#"{"messageId":7}"#,
            b"",
        ] {
            assert!(direct(Route::ClearlineStatus, body, &mut Callback::default()).is_none());
        }
    }

    direct_reading_agrees_with_the_lenient_one! {
        clearline_status: DeliveryStatusCallback,
        clickatell_sms_status: SmsStatusCallback,
        clickatell_sms_reply: SendReplyMessageRequest,
        smarthive_status: SmartHiveStatusCallback,
        one_api_status: MessageStatus,
        one_api_fallback: FallbackStatus,
        one_api_text: TextReply,
        one_api_media: MediaReply,
        one_api_location: LocationReply,
        one_api_contacts: ContactsReply,
        one_api_suggested_response: SuggestedResponseReply,
        one_api_list_picker: ListPickerResponseReply,
        one_api_button: ButtonResponseReply,
    }
}
