//! The control endpoint's payloads: an inbound message (MO) of each type,
//! and a SmartHive delivery report, shaped as the seeds show them.

use serde_json::{Value, json};
use smsgate::clickatell::one_api_callbacks::types::OmniReplyCallbackRequest;
use smsgate::clickatell::sms_callbacks::types::SendReplyMessageRequest;
use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;
use smsgate_simulator_api::control::{InboundRequest, InboundType, SmartHiveReportRequest};

/// The integration name the simulator reports.
pub const INTEGRATION: &str = "smsgate-simulator";

const HANDSET: &str = "27820000001";
const OUR_NUMBER: &str = "27820000000";

/// An inbound message, as the route it goes to wants it.
pub enum InboundPayload {
    SmsReply(SendReplyMessageRequest),
    OneApi(OmniReplyCallbackRequest),
}

/// The payload for `request`, with inbound id `id` received at `now_ms`.
pub fn inbound(request: &InboundRequest, id: &str, now_ms: i64) -> InboundPayload {
    let from = request.from.as_deref().unwrap_or(HANDSET);
    let to = request.to.as_deref().unwrap_or(OUR_NUMBER);
    let text = |default: &str| request.text.clone().unwrap_or_else(|| default.to_string());
    if request.kind == InboundType::SmsReply {
        return InboundPayload::SmsReply(typed(json!({
            "integrationName": INTEGRATION, "replyMessageId": id, "messageId": request.related_message_id,
            "fromNumber": from, "toNumber": to, "timestamp": now_ms, "text": text("Thanks!"),
            "charset": "UTF-8", "network": 1,
        })));
    }
    let mut event = json!({
        "channel": "whatsapp", "messageId": id, "relatedMessageId": request.related_message_id,
        "from": from, "to": to, "timestamp": now_ms,
    });
    let (key, fields) = match request.kind {
        InboundType::SmsReply => unreachable!("answered above"),
        InboundType::Text => ("moText", json!({"content": text("Hello"), "charset": "UTF-8"})),
        InboundType::Media => (
            "moMedia",
            json!({"caption": text("A photo"), "files": [{
                "contentType": "image/jpeg", "downloadUrl": format!("https://example.invalid/media/{id}"),
                "byteSize": 2048, "fileName": "photo.jpg",
            }]}),
        ),
        InboundType::Location => (
            "moLocation",
            json!({"locationName": text("Head office"), "locationAddress": "1 Main Road, Cape Town",
                   "latitude": "-33.9249", "longitude": "18.4241"}),
        ),
        InboundType::Contacts => (
            "moContacts",
            json!({"contacts": [{
                "name": {"formatted_name": text("Jane Doe"), "first_name": "Jane", "last_name": "Doe"},
                "phones": [{"phone": from, "type": "CELL"}],
                "birthday": "1990-01-31",
            }]}),
        ),
        InboundType::SuggestedResponse => (
            "moSuggestedResponse",
            json!({"postbackData": "suggestion-1", "content": text("Yes")}),
        ),
        InboundType::Button => (
            "moButtonResponse",
            json!({"postbackData": "button-1", "selectedItem": {"postbackData": "button-1", "content": text("Confirm")}}),
        ),
        InboundType::ListPicker => (
            "moListPickerResponse",
            json!({"postbackData": "list-1", "selectedItems": [{"postbackData": "item-1", "content": text("Option 1")}]}),
        ),
    };
    merge(&mut event, fields);
    InboundPayload::OneApi(typed(json!({
        "integrationId": INTEGRATION, "integrationName": INTEGRATION, "event": { key: [event] },
    })))
}

/// A SmartHive delivery report at `now` (SmartHive's `YYYYMMDDhhmm`, UTC).
pub fn smarthive_report(request: &SmartHiveReportRequest, yyyymmddhhmm: &str) -> SmartHiveStatusCallback {
    let status = request.status.as_deref().unwrap_or("DELIVRD");
    let dlr_code = if status.eq_ignore_ascii_case("DELIVRD") {
        "000"
    } else {
        "err:001"
    };
    typed(json!({
        "msg_id": request.msg_id, "status": status, "timestamp": yyyymmddhhmm, "cost": "3.00",
        "pg_length": "1", "str_length": "157", "desc": format!("Message {status}"), "dlr_code": dlr_code,
    }))
}

fn merge(target: &mut Value, fields: Value) {
    if let (Value::Object(target), Value::Object(fields)) = (target, fields) {
        target.extend(fields);
    }
}

/// The generated type of a payload built here; the shapes are fixed, so a
/// failure is a bug in this module (the tests build every one).
fn typed<T: serde::de::DeserializeOwned>(payload: Value) -> T {
    serde_json::from_value(payload).unwrap_or_else(|e| panic!("a simulator payload fits its generated type: {e}"))
}
