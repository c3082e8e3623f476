//! SmartHive's callback client and ClearLine's send and callback clients on
//! the wire.

use serde_json::json;
use smsgate::clearline::callbacks as clearline_callbacks;
use smsgate::clearline::sms_api as clearline_sms;
use smsgate::smarthive::callbacks as smarthive;

use crate::exchange::{exchange, typed};
use crate::key;
use crate::spec_operation::Payload;

#[tokio::test]
async fn smarthive_status_callback() {
    let body = json!({
        "msg_id": "jyd823-23n",
        "status": "DELIVRD",
        "dlr_code": "000",
        "desc": "Delivered",
        "str_length": "157",
        "pg_length": "2",
        "cost": "3.00",
        "timestamp": "2024-01-01 10:00:00",
        "operator": "acme"
    });
    let request_body: smarthive::types::SmartHiveStatusCallback = typed(&body);
    let (ack, _) = exchange(
        "smarthive-callbacks",
        "sendSmartHiveStatusCallback",
        Payload::Json(body),
        json!({"status": "ok", "receivedAt": 1}),
        |base| async move {
            let client = smarthive::Client::with_api_key(&base, key());
            client.send_smart_hive_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
    assert_eq!(ack.extra.get("receivedAt"), Some(&json!(1)));
}

#[tokio::test]
async fn clearline_send_sms() {
    let body = clearline_sms::types::SendSmsRequest::builder()
        .phone("+12025551234")
        .message("Your order is ready for pickup.")
        .callback_url(Some(
            "https://example.com/client-callback/clearline-status?token=t".to_string(),
        ));
    let expected = json!({
        "phone": "+12025551234",
        "message": "Your order is ready for pickup.",
        "callbackUrl": "https://example.com/client-callback/clearline-status?token=t"
    });
    let (sent, _) = exchange(
        "clearline-sms-api",
        "sendSms",
        Payload::Json(expected),
        json!({"succeed": true, "messageId": "m-1"}),
        |base| async move {
            let client = clearline_sms::Client::with_api_key(&base, key());
            client.send_sms().body(body).send().await
        },
    )
    .await;
    assert_eq!(sent.succeed, Some(true));
    assert_eq!(sent.message_id.as_deref(), Some("m-1"));
    assert!(sent.extra.is_empty(), "{:?}", sent.extra);
}

#[tokio::test]
async fn clearline_status_callback() {
    let body = json!({
        "messageId": "m-1",
        "deliveryStatus": "Delivered",
        "externalDeliveryStatus": "DELIVRD",
        "reasonText": "ok",
        "segments": 2
    });
    let request_body: clearline_callbacks::types::DeliveryStatusCallback = typed(&body);
    let (ack, _) = exchange(
        "clearline-callbacks",
        "sendClearLineStatusCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = clearline_callbacks::Client::with_api_key(&base, key());
            client.send_clear_line_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}
