//! Where provider callbacks are parsed.
//!
//! One function per callback route turns what a provider sent (a JSON body or
//! a query string) into smsgate's normalized events, reading it through the
//! generated types of the provider's spec and `smsgate::lenient`, so that the
//! documented fields are typed and nothing the provider adds is rejected.
//! Each provider has its own module under `providers`; this file holds what
//! they share: the routes, the input forms, and the rules for what counts as
//! unparseable (an empty body, no JSON even leniently, JSON that is neither
//! an object nor a batch of objects; the provider modules add an event
//! without the id it is about; see docs/architecture.md, "Receiver
//! contract").
//!
//! Parsing is pure (no I/O, no clock): the receiver stores the result with
//! the raw request in one transaction.

mod fields;
mod providers;
mod time;

use serde_json::Value;
use smsgate_normalize::{InboundMessage, Provider, StatusEvent};

/// The callback routes. Their paths are a contract: they are the URLs
/// configured at each provider (docs/architecture.md, "Receiver contract").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// GET and POST `/client-callback/sms-status`.
    ClickatellSmsStatus,
    /// GET and POST `/client-callback/sms-reply`.
    ClickatellSmsReply,
    /// POST `/client-callback/one-api-status`.
    ClickatellOneApiStatus,
    /// POST `/client-callback/one-api-reply`.
    ClickatellOneApiReply,
    /// POST `/client-callback/smarthive-status`.
    SmarthiveStatus,
    /// POST `/client-callback/clearline-status`.
    ClearlineStatus,
}

impl Route {
    pub const ALL: [Route; 6] = [
        Route::ClickatellSmsStatus,
        Route::ClickatellSmsReply,
        Route::ClickatellOneApiStatus,
        Route::ClickatellOneApiReply,
        Route::SmarthiveStatus,
        Route::ClearlineStatus,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Route::ClickatellSmsStatus => "/client-callback/sms-status",
            Route::ClickatellSmsReply => "/client-callback/sms-reply",
            Route::ClickatellOneApiStatus => "/client-callback/one-api-status",
            Route::ClickatellOneApiReply => "/client-callback/one-api-reply",
            Route::SmarthiveStatus => "/client-callback/smarthive-status",
            Route::ClearlineStatus => "/client-callback/clearline-status",
        }
    }

    pub fn provider(self) -> Provider {
        match self {
            Route::SmarthiveStatus => Provider::Smarthive,
            Route::ClearlineStatus => Provider::Clearline,
            _ => Provider::Clickatell,
        }
    }
}

/// What a provider sent.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A GET callback's query string (the callback secret already removed).
    Query(&'a str),
    /// A POST callback's body.
    Body(&'a [u8]),
}

/// The events read from one callback request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Callback {
    pub status: Vec<StatusEvent>,
    pub inbound: Vec<InboundMessage>,
    /// Event types received but not turned into events (`statusIsTyping`,
    /// types added after our spec): kept in the raw request, counted.
    pub ignored: Vec<String>,
}

/// Why a callback could not be parsed at all: it is quarantined (kept raw
/// with this message) and acknowledged, since a retry would not fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unparseable(pub String);

/// Parses one callback request of `route`.
pub fn parse(route: Route, input: Input<'_>) -> Result<Callback, Unparseable> {
    let mut callback = Callback::default();
    if let Input::Body(body) = input
        && let Some(read) = providers::direct(route, body, &mut callback)
    {
        return read.map(|()| callback);
    }
    let documents = match input {
        Input::Query(query) => vec![query_object(query)],
        Input::Body(body) => body_objects(body)?,
    };
    for document in documents {
        providers::parse(route, document, &mut callback)?;
    }
    Ok(callback)
}

/// A query string as a JSON object of strings (the generated types then
/// coerce numbers); a repeated parameter keeps its first value.
fn query_object(query: &str) -> Value {
    let mut object = serde_json::Map::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        object
            .entry(key.into_owned())
            .or_insert_with(|| Value::String(value.into_owned()));
    }
    Value::Object(object)
}

/// A body's callbacks: one JSON object, or an array of them (a batch).
fn body_objects(body: &[u8]) -> Result<Vec<Value>, Unparseable> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Unparseable("empty body".into()));
    }
    let value = smsgate::lenient::parse(body).map_err(|e| Unparseable(e.to_string()))?;
    match value {
        Value::Object(_) => Ok(vec![value]),
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => Ok(items),
        other => Err(Unparseable(format!(
            "JSON that is not an object (or a batch of objects): {}",
            kind(&other)
        ))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array that is not of objects",
        Value::Object(_) => "an object",
    }
}
