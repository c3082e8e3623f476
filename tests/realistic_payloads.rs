//! Payloads as providers really send them, which the types generated from the
//! raw upstream documents would reject or mangle, are read correctly by ours
//! (the effective specs, `openapi/overlays/`), and read through
//! `smsgate::lenient` where the provider's scalars are off.
//!
//! Payloads that need no coercion must also survive a round trip:
//! `serde_json::to_value(read) == original`, unknown fields and event types
//! included.
//!
//! One test binary with a module per provider or concern under
//! `tests/realistic_payloads/`; the readers they share are here.
//!
//! | module | what |
//! |---|---|
//! | `one_api_replies` | One API replies the upstream types rejected or mangled |
//! | `one_api_statuses` | One API statuses, provider scalars, unknown events |
//! | `round_trips` | random unknown fields survive a read and a write |
//! | `clickatell_sms` | SMS callbacks and send responses |
//! | `smarthive_and_clearline` | SmartHive's and ClearLine's payloads |

#[path = "realistic_payloads/clickatell_sms.rs"]
mod clickatell_sms;
#[path = "realistic_payloads/one_api_replies.rs"]
mod one_api_replies;
#[path = "realistic_payloads/one_api_statuses.rs"]
mod one_api_statuses;
#[path = "realistic_payloads/round_trips.rs"]
mod round_trips;
#[path = "realistic_payloads/smarthive_and_clearline.rs"]
mod smarthive_and_clearline;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use smsgate::clickatell::one_api_callbacks::types as one_api;

/// Reads `payload` as the receiver does: its bytes, through smsgate::lenient.
fn read<T: DeserializeOwned + schemars::JsonSchema>(payload: &Value) -> T {
    let bytes = serde_json::to_vec(payload).unwrap();
    smsgate::lenient::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{payload} does not read as {}: {e}", std::any::type_name::<T>()))
}

/// Reads `payload` (strictly and leniently) and checks that writing it back
/// gives `payload` again: nothing lost, renamed or added.
fn round_trip<T: DeserializeOwned + Serialize + schemars::JsonSchema>(payload: &Value) -> T {
    let strict: T = serde_json::from_value(payload.clone()).unwrap_or_else(|e| {
        panic!(
            "{payload} does not read strictly as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    assert_eq!(&serde_json::to_value(&strict).unwrap(), payload, "strict round trip");
    let lenient: T = read(payload);
    assert_eq!(&serde_json::to_value(&lenient).unwrap(), payload, "lenient round trip");
    lenient
}

fn status_events(callback: one_api::OmniStatusCallbackRequest) -> one_api::StatusEvents {
    callback.event.expect("the callback has an event object")
}

fn reply_events(callback: one_api::OmniReplyCallbackRequest) -> one_api::ReplyEvents {
    callback.event.expect("the callback has an event object")
}
