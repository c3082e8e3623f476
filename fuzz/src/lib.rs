//! What smsgate's fuzz targets check, shared so that each target in
//! `fuzz_targets/` is one line naming its parser.
//!
//! Beyond "no panic", every check asserts an invariant that is cheap to test
//! on any input: the lenient reader accepts all strict JSON unchanged and its
//! results write back; a callback parse is deterministic, its events carry the
//! ids and provider of their route, and a quarantine says why. libFuzzer's
//! `-rss_limit_mb` and `-malloc_limit_mb` (set by `cargo xtask fuzz`) turn
//! unbounded memory into a failure too.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use smsgate::clearline::callbacks::types::DeliveryStatusCallback;
use smsgate::clickatell::one_api_callbacks::types::{OmniReplyCallbackRequest, OmniStatusCallbackRequest};
use smsgate::clickatell::sms_callbacks::types::{SendReplyMessageRequest, SmsStatusCallback};
use smsgate::lenient;
use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;
use smsgate_callbacks::{Callback, Input, Route, Unparseable};

/// `smsgate::lenient`: `parse`, and `from_slice` into each generated type
/// the receiver reads callbacks as.
pub fn lenient(data: &[u8]) {
    let parsed = lenient::parse(data);
    // Leniency only adds: strict JSON reads as itself.
    if let Ok(strict) = serde_json::from_slice::<Value>(data) {
        match &parsed {
            Ok(value) => assert_eq!(value, &strict, "lenient parsing changed strict JSON"),
            Err(error) => panic!("lenient parsing rejected strict JSON: {error}"),
        }
    }
    let Ok(value) = parsed else { return };
    // What was read writes back and reads as the same value.
    let written = serde_json::to_vec(&value).expect("a parsed value serialises");
    assert_eq!(
        lenient::parse(&written).ok().as_ref(),
        Some(&value),
        "re-reading changed the value"
    );

    typed::<SmsStatusCallback>(data);
    typed::<SendReplyMessageRequest>(data);
    typed::<OmniStatusCallbackRequest>(data);
    typed::<OmniReplyCallbackRequest>(data);
    typed::<SmartHiveStatusCallback>(data);
    typed::<DeliveryStatusCallback>(data);
}

/// A typed reading that succeeds writes back, and reading that again is a
/// fixed point: nothing is lost or changed on a second round trip.
fn typed<T: DeserializeOwned + Serialize + schemars::JsonSchema>(data: &[u8]) {
    let Ok(read) = lenient::from_slice::<T>(data) else {
        return;
    };
    let once = serde_json::to_value(&read).expect("a typed value serialises");
    let again: T = lenient::from_value(once.clone()).expect("a written value reads back");
    let twice = serde_json::to_value(&again).expect("a typed value serialises");
    assert_eq!(once, twice, "a second round trip changed the value");
}

/// A callback body on `route`, as the receiver parses a POST.
pub fn callback_body(route: Route, data: &[u8]) {
    callback(route, Input::Body(data));
}

/// A query string on each route that takes GET callbacks (Clickatell SMS
/// status and reply), as the receiver parses them.
pub fn query_form(data: &[u8]) {
    // The receiver hands over the URI's query, which is always text.
    let query = String::from_utf8_lossy(data);
    for route in [Route::ClickatellSmsStatus, Route::ClickatellSmsReply] {
        callback(route, Input::Query(&query));
    }
}

fn callback(route: Route, input: Input<'_>) {
    let result = smsgate_callbacks::parse(route, input);
    // Dedup keys and stored events must not depend on hash order or state.
    assert_eq!(
        result,
        smsgate_callbacks::parse(route, input),
        "parsing is not deterministic"
    );
    match result {
        Ok(callback) => check_events(route, &callback),
        Err(Unparseable(reason)) => assert!(!reason.trim().is_empty(), "a quarantine without a reason"),
    }
}

fn check_events(route: Route, callback: &Callback) {
    for event in &callback.status {
        assert_eq!(event.provider, route.provider(), "a status event of another provider");
        assert!(
            !event.message_id.trim().is_empty(),
            "a status event without a message id"
        );
        let key: Vec<Option<String>> = serde_json::from_str(&event.dedup_key).expect("a dedup key is a JSON array");
        assert_eq!(
            key.first().cloned().flatten().as_deref(),
            Some(event.message_id.as_str()),
            "a dedup key that does not start with its message id"
        );
    }
    for message in &callback.inbound {
        assert_eq!(
            message.provider,
            route.provider(),
            "an inbound message of another provider"
        );
        assert!(
            !message.message_id.trim().is_empty(),
            "an inbound message without an id"
        );
    }
}
