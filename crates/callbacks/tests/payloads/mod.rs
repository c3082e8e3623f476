//! Callback payloads shared by the parser tests (`tests/parse.rs`) and the
//! benchmarks (`benches/parse.rs`), so that both exercise the same inputs.
//!
//! The providers' published examples are not copied here: they are read from
//! the verbatim pages in `openapi/upstream/` (their fenced code blocks, found
//! by `smsgate_doc_examples`). Clickatell publishes no payload examples, only
//! schemas, so its callbacks are written out below with every documented
//! field, as Clickatell sends them.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use smsgate_doc_examples::code_blocks;
use smsgate_normalize::InboundType;

const SMARTHIVE_PAGE: &str = "openapi/upstream/smarthive/002_e463ac632014d8f7.txt";
const CLEARLINE_PAGE: &str = "openapi/upstream/clearline/004_cbac217a58160243.txt";

/// 2023-11-14T22:13:20.123Z
pub const T: i64 = 1_700_000_000_123;

/// A file of the repository, by its path from the workspace root.
pub fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

/// The one code block of `page` that contains `needle`.
fn code_block_with(page: &str, needle: &str) -> String {
    let found: Vec<String> = code_blocks(&repo_file(page))
        .into_iter()
        .filter(|block| block.text.contains(needle))
        .map(|block| block.text)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{page}: expected one code block with {needle:?}, found {found:?}"
    );
    found.into_iter().next().unwrap()
}

// ---------------------------------------------------------------------------
// Clickatell SMS
// ---------------------------------------------------------------------------

/// A GET status callback with every parameter the page documents.
pub const SMS_STATUS_QUERY: &str = "integrationName=Acme+SMS&messageId=a1b2c3d4e5f6&requestId=req-9\
    &clientMessageId=order-42&to=27820000001&from=27820000002&statusCode=004\
    &status=RECEIVED_BY_RECIPIENT&statusDescription=Received%20by%20recipient&timestamp=1700000000123";

/// A POST status callback with every documented field, in its documented type.
pub fn sms_status_json() -> Value {
    json!({
        "integrationName": "Acme SMS",
        "messageId": "a1b2c3d4e5f6",
        "requestId": "req-9",
        "clientMessageId": "order-42",
        "to": "27820000001",
        "from": "27820000002",
        "statusCode": 4,
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": "1700000000123"
    })
}

/// A GET reply callback with every parameter the page documents.
pub const SMS_REPLY_QUERY: &str = "integrationName=Acme+SMS&replyMessageId=mo-77&messageId=a1b2c3d4e5f6\
    &fromNumber=27820000002&toNumber=27820000001&timestamp=1700000000123&text=Yes%2C+please%21\
    &charset=UTF-8&udh=&network=655001&keyword=YES";

/// A POST reply callback with every documented field and one the spec does
/// not know.
pub fn sms_reply_json() -> Value {
    json!({
        "integrationName": "Acme SMS",
        "replyMessageId": "mo-77",
        "messageId": "a1b2c3d4e5f6",
        "fromNumber": "27820000002",
        "toNumber": "27820000001",
        "timestamp": 1700000000123_i64,
        "text": "Yes, please!",
        "charset": "UTF-8",
        "udh": "",
        "network": 655001,
        "keyword": "YES",
        "somethingNew": {"a": [1, 2]}
    })
}

// ---------------------------------------------------------------------------
// Clickatell One API
// ---------------------------------------------------------------------------

/// A One API callback around `event` (an object of event arrays).
pub fn one_api(event: Value) -> Value {
    json!({"integrationId": "int-7", "integrationName": "Acme One API", "event": event})
}

/// One `messageStatusUpdate` event.
pub fn one_api_update(code: Value, status: Value) -> Value {
    json!({
        "channel": "whatsapp",
        "timestamp": T,
        "statusCode": code,
        "status": status,
        "messageId": "0d4f5e3b2a1c",
        "clientMessageId": "order-42"
    })
}

/// The fields every inbound event type shares, plus one the spec does not know.
pub fn mo(id: &str, specific: Value) -> Value {
    let mut item = json!({
        "channel": "whatsapp",
        "messageId": id,
        "relatedMessageId": "0d4f5e3b2a1c",
        "relatedClientMessageId": "order-42",
        "from": "27820000002",
        "to": "27820000001",
        "timestamp": T,
        "whatsapp": {"profileName": "Thandi", "referralInfo": {"sourceType": "story", "sourceId": "123"}},
        "notInTheSpec": {"kept": [1, "two", null]}
    });
    item.as_object_mut()
        .unwrap()
        .extend(specific.as_object().unwrap().clone());
    item
}

/// Each documented inbound type, an element as Clickatell sends it, and
/// what becomes `text`.
pub fn seven_inbound_types() -> Vec<(&'static str, Value, InboundType, Option<&'static str>)> {
    vec![
        (
            "moText",
            mo(
                "mo-1",
                json!({"charset": "UTF-8", "content": "Hello there", "sms": {"udh": "", "network": 655001}}),
            ),
            InboundType::Text,
            Some("Hello there"),
        ),
        (
            "moMedia",
            mo(
                "mo-2",
                json!({
                    "caption": "My receipt",
                    "content": "iVBORw0KGgo=",
                    "contentType": "image/png",
                    "sha256Hash": "abc123",
                    "files": [{"contentType": "image/png", "downloadUrl": "https://example.invalid/f/1",
                               "sha256Hash": "abc123", "byteSize": 2048, "fileName": "receipt.png"}]
                }),
            ),
            InboundType::Media,
            Some("My receipt"),
        ),
        (
            "moLocation",
            mo(
                "mo-3",
                json!({
                    "charset": "UTF-8",
                    "locationName": "Cape Town Stadium",
                    "locationAddress": "Fritz Sonnenberg Rd, Green Point",
                    "latitude": "-33.9035",
                    "latitute": "-33.9035",
                    "longitude": "18.4113"
                }),
            ),
            InboundType::Location,
            Some("Cape Town Stadium"),
        ),
        (
            "moContacts",
            mo(
                "mo-4",
                json!({
                    "charset": "UTF-8",
                    "contacts": [{
                        "name": {"formatted_name": "Sipho Dlamini", "first_name": "Sipho"},
                        "birthday": "1990-05-17",
                        "phones": [{"phone": "+27820000003", "type": "CELL"}],
                        "emails": [{"email": "sipho@example.invalid", "type": "WORK"}],
                        "addresses": [{"city": "Durban", "type": "HOME"}],
                        "org": {"company": "Acme"},
                        "urls": [{"url": "https://example.invalid", "type": "WORK"}]
                    }]
                }),
            ),
            InboundType::Contacts,
            None,
        ),
        (
            "moSuggestedResponse",
            mo(
                "mo-5",
                json!({"charset": "UTF-8", "postbackData": "yes-payload", "content": "Yes please"}),
            ),
            InboundType::SuggestedResponse,
            Some("Yes please"),
        ),
        (
            "moListPickerResponse",
            mo(
                "mo-6",
                json!({"postbackData": "sizes", "selectedItems": [{"postbackData": "size-m", "content": "Medium"}]}),
            ),
            InboundType::ListPicker,
            Some("Medium"),
        ),
        (
            "moButtonResponse",
            mo(
                "mo-7",
                json!({"postbackData": "confirm", "selectedItem": {"postbackData": "btn-1", "content": "Confirm order"}}),
            ),
            InboundType::Button,
            Some("Confirm order"),
        ),
    ]
}

// ---------------------------------------------------------------------------
// SmartHive and ClearLine: their published examples
// ---------------------------------------------------------------------------

/// SmartHive's example delivery report, as published (trailing comma included).
pub fn smarthive_example() -> String {
    code_block_with(SMARTHIVE_PAGE, "msg_id")
}

/// The body of ClearLine's example delivery-status request.
pub fn clearline_example() -> String {
    let block = code_block_with(CLEARLINE_PAGE, "POST {callbackUrl}");
    let (_, body) = block.split_once("\n\n").expect("the callback request has a body");
    body.to_string()
}
