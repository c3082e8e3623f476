//! What the receiver's HTTP tests share beyond the test receiver itself
//! (`smsgate_test_support::receiver`): the callback routes, a One API
//! status body, the providers' upstream pages, and the checks that take the
//! receiver's clock (`received_at`) and cursors out of a view before it is
//! compared.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Removes `received_at` from `value` after checking that it lies in
/// `[from, to]` (milliseconds since the epoch).
#[track_caller]
pub fn take_received_at(value: &mut Value, from: i64, to: i64) {
    let received_at = value
        .as_object_mut()
        .expect("an object")
        .remove("received_at")
        .unwrap_or_else(|| panic!("no received_at in {value}"));
    let received_at = received_at.as_i64().expect("received_at is an integer");
    assert!(
        (from..=to).contains(&received_at),
        "received_at {received_at} not in [{from}, {to}]"
    );
}

/// Removes `cursor` after checking that it is a non-empty string; returns it.
#[track_caller]
pub fn take_cursor(value: &mut Value) -> String {
    let cursor = value
        .as_object_mut()
        .expect("an object")
        .remove("cursor")
        .unwrap_or_else(|| panic!("no cursor in {value}"));
    let cursor = cursor.as_str().expect("the cursor is a string").to_string();
    assert!(!cursor.is_empty());
    cursor
}

/// `value` with `received_at` checked and removed, also from each of its
/// `events` (a message view).
#[track_caller]
pub fn without_times(mut value: Value, from: i64, to: i64) -> Value {
    if let Some(events) = value.get_mut("events").and_then(Value::as_array_mut) {
        for event in events {
            take_received_at(event, from, to);
        }
    }
    if value.get("received_at").is_some() {
        take_received_at(&mut value, from, to);
    }
    value
}

/// Feed items with `cursor` and `received_at` checked and removed.
#[track_caller]
pub fn feed_without_cursors(items: &[Value], from: i64, to: i64) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            let mut item = item.clone();
            take_cursor(&mut item);
            take_received_at(&mut item, from, to);
            item
        })
        .collect()
}

/// The callback routes: part of the receiver's contract with the providers
/// (docs/architecture.md, "Receiver contract").
pub mod routes {
    pub const SMS_STATUS: &str = "/client-callback/sms-status";
    pub const SMS_REPLY: &str = "/client-callback/sms-reply";
    pub const ONE_API_STATUS: &str = "/client-callback/one-api-status";
    pub const ONE_API_REPLY: &str = "/client-callback/one-api-reply";
    pub const SMARTHIVE_STATUS: &str = "/client-callback/smarthive-status";
    pub const CLEARLINE_STATUS: &str = "/client-callback/clearline-status";
}

/// A One API status callback carrying one `messageStatusUpdate`.
pub fn one_api_status(message_id: &str, code: i64, status: &str, timestamp: i64) -> Value {
    json!({
        "integrationId": "int-1",
        "integrationName": "acme",
        "event": {"messageStatusUpdate": [{
            "channel": "whatsapp",
            "messageId": message_id,
            "clientMessageId": format!("client-{message_id}"),
            "status": status,
            "statusCode": code,
            "timestamp": timestamp,
        }]}
    })
}

/// A document of a provider's upstream page, read from `openapi/upstream`.
pub fn upstream(relative: &str) -> String {
    let path = format!("{}/../../openapi/upstream/{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}
