//! Clickatell's clients on the wire: the SMS API (REST, bulk REST, HTTP
//! GET), the SMS callbacks (GET and POST, status and reply) and the One API
//! callbacks.

use serde_json::json;
use smsgate::clickatell::one_api_callbacks as one_api;
use smsgate::clickatell::sms_api as clickatell_sms;
use smsgate::clickatell::sms_callbacks;

use crate::exchange::{exchange, strings, typed};
use crate::key;
use crate::spec_operation::Payload;

// ---------------------------------------------------------------------------
// Clickatell SMS API
// ---------------------------------------------------------------------------

#[tokio::test]
async fn clickatell_send_message_rest() {
    let body = json!({
        "to": ["27820000000", "27830000000"],
        "content": "Your code is 1234",
        "from": "27840000000",
        "clientMessageId": "c-1",
        "validityPeriod": 1440,
        "newRequestField": {"kept": true}
    });
    let reply = json!({
        "messages": [{"apiMessageId": "a1", "accepted": true, "to": "27820000000", "newField": 1}],
        "errorCode": null
    });
    let request_body: clickatell_sms::types::SendMessageRequest = typed(&body);
    let (sent, request) = exchange(
        "clickatell-sms-api",
        "sendMessageREST_1",
        Payload::Json(body),
        reply,
        |base| async move {
            let client = clickatell_sms::Client::with_api_key(&base, key());
            client.send_message_rest_1().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("smsgate/", env!("CARGO_PKG_VERSION"))),
        "with_api_key uses smsgate's HTTP client"
    );
    assert_eq!(sent.error_code, None);
    assert!(sent.extra.is_empty(), "{:?}", sent.extra);
    let [message] = &sent.messages[..] else {
        panic!("one message: {sent:?}")
    };
    assert_eq!(message.api_message_id.as_deref(), Some("a1"));
    assert_eq!(message.accepted, Some(true));
    assert_eq!(message.to.as_deref(), Some("27820000000"));
    assert_eq!(message.extra.get("newField"), Some(&json!(1)));
    assert_eq!(message.extra.len(), 1, "{:?}", message.extra);
}

#[tokio::test]
async fn clickatell_send_bulk_message_rest() {
    let body = json!({"messageList": [
        {"to": ["27820000000"], "content": "first", "clientMessageId": "b-1"},
        {"to": ["27830000000"], "content": "second", "binary": false, "charset": "UTF-8"}
    ]});
    let reply = json!([
        {"messages": [{"apiMessageId": "b1", "accepted": true, "to": "27820000000"}]},
        {"messages": [], "error": "bad number", "errorCode": 105, "errorDescription": "Invalid destination", "batch": 7}
    ]);
    let request_body: clickatell_sms::types::SendBulkMessageRequest = typed(&body);
    let (sent, _) = exchange(
        "clickatell-sms-api",
        "sendBulkMessageREST",
        Payload::Json(body),
        reply,
        |base| async move {
            let client = clickatell_sms::Client::with_api_key(&base, key());
            client.send_bulk_message_rest().body(request_body).send().await
        },
    )
    .await;
    let [first, second] = &sent[..] else {
        panic!("two results: {sent:?}")
    };
    assert_eq!(first.messages[0].api_message_id.as_deref(), Some("b1"));
    assert_eq!(first.messages[0].accepted, Some(true));
    assert!(second.messages.is_empty());
    assert_eq!(second.error.as_deref(), Some("bad number"));
    assert_eq!(second.error_code, Some(105));
    assert_eq!(second.error_description.as_deref(), Some("Invalid destination"));
    assert_eq!(second.extra.get("batch"), Some(&json!(7)));
}

#[tokio::test]
async fn clickatell_send_message_http() {
    // Characters that must be percent-encoded, to see them decode intact.
    let query = strings(&[
        ("to", "27820000000"),
        ("from", "+27840000000"),
        ("content", "Code: 12&34 = ok? ü"),
        ("clientMessageId", "h/1"),
    ]);
    let reply = json!({"messages": [{"apiMessageId": "h1", "accepted": true, "to": "27820000000"}]});
    let (sent, _) = exchange(
        "clickatell-sms-api",
        "sendMessageHTTP",
        Payload::Query(query),
        reply,
        |base| async move {
            let client = clickatell_sms::Client::with_api_key(&base, key());
            let send = client.send_message_http().to("27820000000").from("+27840000000");
            send.content("Code: 12&34 = ok? ü")
                .client_message_id("h/1")
                .send()
                .await
        },
    )
    .await;
    assert_eq!(sent.messages[0].api_message_id.as_deref(), Some("h1"));
    assert_eq!(sent.messages[0].accepted, Some(true));
}

// ---------------------------------------------------------------------------
// Clickatell SMS callbacks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn clickatell_get_sms_status_callback() {
    let query = strings(&[
        ("integrationName", "My integration"),
        ("messageId", "abc123"),
        ("requestId", "req-9"),
        ("clientMessageId", "c-1"),
        ("to", "27820000000"),
        ("from", "27840000000"),
        ("statusCode", "4"),
        ("status", "RECEIVED_BY_RECIPIENT"),
        ("statusDescription", "Received by recipient"),
        ("timestamp", "1700000000000"),
    ]);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendGetSmsStatusCallback",
        Payload::Query(query),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            let send = client.send_get_sms_status_callback().integration_name("My integration");
            let send = send.message_id("abc123").request_id("req-9").client_message_id("c-1");
            let send = send.to("27820000000").from("27840000000").status_code(4);
            let send = send
                .status("RECEIVED_BY_RECIPIENT")
                .status_description("Received by recipient");
            send.timestamp("1700000000000").send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_post_sms_status_callback() {
    let body = json!({
        "integrationName": "My integration",
        "messageId": "abc123",
        "requestId": "req-9",
        "clientMessageId": "c-1",
        "to": "27820000000",
        "from": "27840000000",
        "statusCode": 4,
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": "1700000000000"
    });
    let request_body: sms_callbacks::types::SmsStatusCallback = typed(&body);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendPostSmsStatusCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            client.send_post_sms_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_get_sms_reply_callback() {
    let query = strings(&[
        ("integrationName", "My integration"),
        ("replyMessageId", "r-1"),
        ("messageId", "abc123"),
        ("fromNumber", "27820000000"),
        ("toNumber", "27840000000"),
        ("timestamp", "1700000000000"),
        ("text", "Yes please & thanks"),
        ("charset", "UTF-8"),
        ("udh", "050003CC0201"),
        ("network", "12"),
        ("keyword", "YES"),
    ]);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendGetSmsReplyCallback",
        Payload::Query(query),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            let send = client.send_get_sms_reply_callback().integration_name("My integration");
            let send = send.reply_message_id("r-1").message_id("abc123");
            let send = send
                .from_number("27820000000")
                .to_number("27840000000")
                .timestamp(1_700_000_000_000_i64);
            let send = send.text("Yes please & thanks").charset("UTF-8").udh("050003CC0201");
            send.network(12).keyword("YES").send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_post_sms_reply_callback() {
    let body = json!({
        "integrationName": "My integration",
        "replyMessageId": "r-1",
        "messageId": "abc123",
        "fromNumber": "27820000000",
        "toNumber": "27840000000",
        "timestamp": 1_700_000_000_000_i64,
        "text": "Yes please",
        "charset": "UTF-8",
        "network": 12,
        "keyword": "YES"
    });
    let request_body: sms_callbacks::types::SendReplyMessageRequest = typed(&body);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendPostSmsReplyCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            client.send_post_sms_reply_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

// ---------------------------------------------------------------------------
// Clickatell One API callbacks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn clickatell_post_omni_reply_callback() {
    let body = json!({
        "integrationId": "i-1",
        "integrationName": "My integration",
        "event": {"moText": [{
            "channel": "sms",
            "messageId": "mo-1",
            "relatedMessageId": "abc123",
            "from": "27820000000",
            "to": "27840000000",
            "timestamp": 1_700_000_000_000_i64,
            "content": "Hello",
            "charset": "UTF-8",
            "sms": {"network": 12}
        }]}
    });
    let request_body: one_api::types::OmniReplyCallbackRequest = typed(&body);
    let (ack, _) = exchange(
        "clickatell-one-api-callbacks",
        "sendPostOmniReplyCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = one_api::Client::with_api_key(&base, key());
            client.send_post_omni_reply_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_post_omni_status_callback() {
    let body = json!({
        "integrationId": "i-1",
        "event": {"messageStatusUpdate": [{
            "channel": "rcs",
            "messageId": "m1",
            "clientMessageId": "c-1",
            "statusCode": 5,
            "status": "DEVICE_ACK",
            "timestamp": 1_700_000_000_000_i64
        }]}
    });
    let request_body: one_api::types::OmniStatusCallbackRequest = typed(&body);
    let (ack, _) = exchange(
        "clickatell-one-api-callbacks",
        "sendPostOmniStatusCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = one_api::Client::with_api_key(&base, key());
            client.send_post_omni_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}
