//! Clickatell's SMS callbacks (POST) and send responses as Clickatell
//! sends them: unknown fields kept, provider scalars read.

use serde_json::{Value, json};
use smsgate::clickatell::sms_api::types as clickatell_sms;
use smsgate::clickatell::sms_callbacks::types as sms_callbacks;

use crate::{read, round_trip};

#[test]
fn sms_status_callback_keeps_unknown_fields() {
    let payload = json!({
        "integrationName": "My integration",
        "messageId": "e1b2c3d4e5f60718293a4b5c6d7e8f90",
        "requestId": "7f3a2b1c",
        "clientMessageId": "order-42",
        "to": "27820000000",
        "from": "27821111111",
        "statusCode": 4,
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": "1700000000000",
        "channel": "sms",
        "messagePrice": {"amount": 0.25, "currency": "ZAR"}
    });
    let status: sms_callbacks::SmsStatusCallback = round_trip(&payload);
    assert_eq!(status.message_id.as_deref(), Some("e1b2c3d4e5f60718293a4b5c6d7e8f90"));
    assert_eq!(status.request_id.as_deref(), Some("7f3a2b1c"));
    assert_eq!(status.client_message_id.as_deref(), Some("order-42"));
    assert_eq!(status.to.as_deref(), Some("27820000000"));
    assert_eq!(status.from.as_deref(), Some("27821111111"));
    assert_eq!(status.status_code, Some(4));
    assert_eq!(status.status.as_deref(), Some("RECEIVED_BY_RECIPIENT"));
    assert_eq!(status.status_description.as_deref(), Some("Received by recipient"));
    assert_eq!(status.timestamp.as_deref(), Some("1700000000000"));
    assert_eq!(status.extra.get("channel"), Some(&json!("sms")));
    assert_eq!(
        status.extra.get("messagePrice"),
        Some(&json!({"amount": 0.25, "currency": "ZAR"}))
    );
    assert_eq!(status.extra.len(), 2);
}

#[test]
fn sms_status_callback_with_provider_scalars() {
    // The spec types timestamp as a string, statusCode as an integer; a
    // millisecond timestamp sent as a number and a status code as a string
    // are read all the same.
    let payload = json!({"messageId": "abc", "statusCode": "004", "status": "RECEIVED_BY_RECIPIENT",
                         "timestamp": 1700000000000_i64});
    let status: sms_callbacks::SmsStatusCallback = read(&payload);
    assert_eq!(status.status_code, Some(4));
    assert_eq!(status.timestamp.as_deref(), Some("1700000000000"));
    assert!(status.extra.is_empty(), "{:?}", status.extra);
}

#[test]
fn sms_reply_callback_keeps_unknown_fields() {
    let payload = json!({
        "integrationName": "My integration",
        "replyMessageId": "r-0001",
        "messageId": "e1b2c3d4",
        "fromNumber": "27821111111",
        "toNumber": "27820000000",
        "timestamp": 1700000000000_i64,
        "text": "STOP",
        "charset": "UTF-8",
        "udh": "",
        "network": 655,
        "keyword": "STOP",
        "smsCount": 1,
        "mms": null
    });
    let reply: sms_callbacks::SendReplyMessageRequest = round_trip(&payload);
    assert_eq!(reply.reply_message_id.as_deref(), Some("r-0001"));
    assert_eq!(reply.message_id.as_deref(), Some("e1b2c3d4"));
    assert_eq!(reply.from_number.as_deref(), Some("27821111111"));
    assert_eq!(reply.to_number.as_deref(), Some("27820000000"));
    assert_eq!(reply.timestamp, Some(1_700_000_000_000));
    assert_eq!(reply.text.as_deref(), Some("STOP"));
    assert_eq!(reply.udh.as_deref(), Some(""));
    assert_eq!(reply.network, Some(655));
    assert_eq!(reply.keyword.as_deref(), Some("STOP"));
    assert_eq!(reply.extra.get("smsCount"), Some(&json!(1)));
    assert_eq!(reply.extra.get("mms"), Some(&Value::Null));

    let coerced = json!({"replyMessageId": 1001, "timestamp": "1700000000000", "network": "655", "text": 1234});
    let reply: sms_callbacks::SendReplyMessageRequest = read(&coerced);
    assert_eq!(reply.reply_message_id.as_deref(), Some("1001"));
    assert_eq!(reply.timestamp, Some(1_700_000_000_000));
    assert_eq!(reply.network, Some(655));
    assert_eq!(reply.text.as_deref(), Some("1234"));
}

// ---------------------------------------------------------------------------
// Clickatell SMS API responses
// ---------------------------------------------------------------------------

#[test]
fn send_messages_response_keeps_unknown_fields() {
    let payload = json!({
        "messages": [
            {"apiMessageId": "1d1e1f2a3b", "accepted": true, "to": "27820000000", "parts": 2},
            {"accepted": false, "to": "2782", "errorCode": 105, "error": "Invalid destination address",
             "errorDescription": "The destination address you specified is invalid."}
        ],
        "requestId": "req-9"
    });
    let response: clickatell_sms::SendMessagesListResponse = round_trip(&payload);
    assert_eq!(response.messages.len(), 2);
    let sent = &response.messages[0];
    assert_eq!(sent.api_message_id.as_deref(), Some("1d1e1f2a3b"));
    assert_eq!(sent.accepted, Some(true));
    assert_eq!(sent.extra.get("parts"), Some(&json!(2)));
    let refused = &response.messages[1];
    assert_eq!(refused.accepted, Some(false));
    assert_eq!(refused.error_code, Some(105));
    assert_eq!(refused.error.as_deref(), Some("Invalid destination address"));
    assert_eq!(response.extra.get("requestId"), Some(&json!("req-9")));
    assert_eq!(response.error_code, None);
}

#[test]
fn send_messages_response_as_clickatell_sends_it() {
    // Clickatell sends the absent error fields as explicit nulls, and error
    // codes as strings at times: read as absent, and as numbers.
    let payload = json!({
        "messages": [{"apiMessageId": "1d1e1f2a3b", "accepted": true, "to": "27820000000",
                      "errorCode": null, "error": null, "errorDescription": null}],
        "errorCode": null, "error": null, "errorDescription": null
    });
    let response: clickatell_sms::SendMessagesListResponse = read(&payload);
    assert_eq!(response.messages[0].api_message_id.as_deref(), Some("1d1e1f2a3b"));
    assert_eq!(response.messages[0].error_code, None);
    assert!(
        response.messages[0].extra.is_empty(),
        "{:?}",
        response.messages[0].extra
    );
    assert_eq!(response.error, None);
    // Written back, the nulls are left out; every value is kept.
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"messages": [{"apiMessageId": "1d1e1f2a3b", "accepted": true, "to": "27820000000"}]})
    );

    let failed = json!({"errorCode": "1", "error": "Invalid or missing authentication details",
                        "errorDescription": "Please provide valid authentication details.", "traceId": 77});
    let response: clickatell_sms::SendMessagesListResponse = read(&failed);
    assert!(response.messages.is_empty());
    assert_eq!(response.error_code, Some(1));
    assert_eq!(
        response.error.as_deref(),
        Some("Invalid or missing authentication details")
    );
    assert_eq!(response.extra.get("traceId"), Some(&json!(77)));
}
