//! The callback parsers, route by route: what each provider sends (as its
//! documents show it, and as providers really send it) becomes exactly which
//! `StatusEvent`s and `InboundMessage`s, as `docs/architecture.md` describes
//! in "The path of a callback" and "Statuses and precedence".
//!
//! The providers' published examples are not copied here: they are read at
//! test time from the verbatim pages in `openapi/upstream/` (see
//! `payloads/`, which the benchmarks share), and the documented field and
//! event names from the effective specs `openapi/*.json`, so the tests follow
//! the documents.
//!
//! One test binary with a module per provider route or concern under
//! `tests/parse/`; the helpers they share are here.
//!
//! | module | what |
//! |---|---|
//! | `clickatell_sms` | SMS status and reply, GET and POST |
//! | `one_api_status` | One API status codes, leniency, fallbacks, ignored event types |
//! | `one_api_reply` | One API replies: the seven inbound types and unknown ones |
//! | `smarthive` | SmartHive's reports |
//! | `clearline` | ClearLine's callback |
//! | `dedup_keys` | retries share a key, any change makes another, no collisions |
//! | `batches` | arrays of callbacks, several events per body |
//! | `every_route` | route paths, unparseable bodies, BOM and trailing commas, ISO 8601 |
//! | `no_panic` | random JSON never panics a parser |

mod payloads;

#[path = "parse/batches.rs"]
mod batches;
#[path = "parse/clearline.rs"]
mod clearline;
#[path = "parse/clickatell_sms.rs"]
mod clickatell_sms;
#[path = "parse/dedup_keys.rs"]
mod dedup_keys;
#[path = "parse/every_route.rs"]
mod every_route;
#[path = "parse/no_panic.rs"]
mod no_panic;
#[path = "parse/one_api_reply.rs"]
mod one_api_reply;
#[path = "parse/one_api_status.rs"]
mod one_api_status;
#[path = "parse/smarthive.rs"]
mod smarthive;

use std::collections::BTreeSet;

use serde_json::Value;
use smsgate_callbacks::{Callback, Input, Route, Unparseable, parse};
use smsgate_normalize::{InboundMessage, StatusEvent};

use crate::payloads::repo_file;

const SMS_STATUS_PAGE: &str = "openapi/upstream/clickatell/000_690364af323e43ee.txt";

fn spec(name: &str) -> Value {
    serde_json::from_str(&repo_file(&format!("openapi/{name}.json"))).expect("effective spec is JSON")
}

fn try_body(route: Route, body: &[u8]) -> Result<Callback, Unparseable> {
    parse(route, Input::Body(body))
}

fn body(route: Route, value: &Value) -> Callback {
    let text = value.to_string();
    parse(route, Input::Body(text.as_bytes())).unwrap_or_else(|e| panic!("{route:?} rejected {text}: {e}"))
}

fn query(route: Route, query: &str) -> Callback {
    parse(route, Input::Query(query)).unwrap_or_else(|e| panic!("{route:?} rejected ?{query}: {e}"))
}

/// The only status event of a callback that has nothing else.
fn only_status(callback: Callback) -> StatusEvent {
    assert!(callback.inbound.is_empty(), "{callback:?}");
    assert!(callback.ignored.is_empty(), "{callback:?}");
    assert_eq!(callback.status.len(), 1, "{callback:?}");
    callback.status.into_iter().next().unwrap()
}

/// The only inbound message of a callback that has nothing else.
fn only_inbound(callback: Callback) -> InboundMessage {
    assert!(callback.status.is_empty(), "{callback:?}");
    assert!(callback.ignored.is_empty(), "{callback:?}");
    assert_eq!(callback.inbound.len(), 1, "{callback:?}");
    callback.inbound.into_iter().next().unwrap()
}

fn status_of(route: Route, value: &Value) -> StatusEvent {
    only_status(body(route, value))
}

fn key_of(route: Route, value: &Value) -> String {
    status_of(route, value).dedup_key
}

/// `expected` with the dedup key of `got` (the key's format is the parser's
/// own; its properties are tested separately below).
fn assert_status(got: &StatusEvent, expected: StatusEvent) {
    assert_eq!(
        *got,
        StatusEvent {
            dedup_key: got.dedup_key.clone(),
            ..expected
        }
    );
    assert!(!got.dedup_key.is_empty());
}

fn err_of(route: Route, body: &[u8]) -> String {
    match try_body(route, body) {
        Ok(callback) => panic!("{route:?} accepted {:?}: {callback:?}", String::from_utf8_lossy(body)),
        Err(Unparseable(message)) => message,
    }
}

/// The same JSON object with one field replaced (or added).
fn with(value: &Value, key: &str, field: Value) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().insert(key.into(), field);
    value
}

/// The same JSON object without one field.
fn without(value: &Value, key: &str) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().shift_remove(key);
    value
}

/// The property names of a schema of an effective spec.
fn spec_properties(api: &str, schema: &str) -> BTreeSet<String> {
    spec(api)["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{api}: no schema {schema}"))
        .keys()
        .cloned()
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}
