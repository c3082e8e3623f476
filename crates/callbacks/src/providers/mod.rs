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

/// Reads `document` as the generated type `T`; a field that does not fit is
/// left out of the typed view (the raw request keeps it).
fn typed<T: DeserializeOwned + JsonSchema>(document: &Value) -> Result<T, Unparseable> {
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
