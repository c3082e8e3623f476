//! Every provider's callbacks: acknowledged with `{"status":"ok"}`, then
//! visible through `/v1/messages`, `/v1/events` and `/v1/inbound` with the
//! contract's shapes and the raw values as sent.
//!
//! | module | what |
//! |---|---|
//! | `clickatell_sms` | SMS status and reply callbacks, GET and POST |
//! | `one_api` | One API status updates, fallbacks, ignored event types, replies of every type |
//! | `smarthive` | SmartHive's documented example and real reports |
//! | `clearline` | ClearLine's documented callback and real statuses |
//! | `lenient` | a byte order mark, trailing commas, a malformed field |

use serde_json::{Value, json};

#[path = "callbacks/clearline.rs"]
mod clearline;
#[path = "callbacks/clickatell_sms.rs"]
mod clickatell_sms;
#[path = "callbacks/lenient.rs"]
mod lenient;
#[path = "callbacks/one_api.rs"]
mod one_api;
#[path = "callbacks/smarthive.rs"]
mod smarthive;

/// A status feed item (without cursor and received_at) for a message view's
/// event of `message`.
pub fn status_item(message: &Value, event: &Value) -> Value {
    json!({
        "kind": "status",
        "provider": message["provider"],
        "message_id": message["message_id"],
        "client_message_id": message["client_message_id"],
        "status": event["status"],
        "raw_status": event["raw_status"],
        "raw_code": event["raw_code"],
        "description": event["description"],
        "occurred_at": event["occurred_at"],
        "channel": event["channel"],
    })
}
