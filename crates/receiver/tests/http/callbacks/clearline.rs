//! ClearLine's status callback: the documented example, and the statuses
//! ClearLine really sends.

use serde_json::{Value, json};
use smsgate_test_support::receiver::TestReceiver;

use super::status_item;
use crate::support::routes::*;
use crate::support::{feed_without_cursors, now_ms, upstream, without_times};

/// ClearLine's page, verbatim: the JSON of the request "your callback URL
/// will receive".
fn clearline_documented_example() -> String {
    let page = upstream("clearline/004_cbac217a58160243.txt");
    let block = page
        .split("```")
        .find(|block| block.contains("POST {callbackUrl}"))
        .expect("the page has the callback request");
    let (_, body) = block.split_once("\n\n").expect("headers, a blank line, the body");
    body.trim().to_string()
}

#[tokio::test]
async fn clearline_documented_callback_and_real_statuses() {
    let r = TestReceiver::start().await;
    let body = clearline_documented_example();
    assert!(body.contains("\"externalDeliveryStatus\": \"string\""), "{body}");
    let from = now_ms();
    r.post(CLEARLINE_STATUS, body).await.assert_ack();
    let to = now_ms();
    let expected = json!({
        "provider": "clearline",
        "message_id": "string",
        "client_message_id": null,
        "to": null,
        "from": null,
        "status": "unknown",
        "status_at": null,
        "events": [{
            "status": "unknown",
            "raw_status": "string",
            "raw_code": "string",
            "description": "string",
            "occurred_at": null,
            "channel": "sms",
        }],
    });
    assert_eq!(
        without_times(r.message("clearline", "string").await, from, to),
        expected
    );
    assert_eq!(
        feed_without_cursors(&r.events().await, from, to),
        vec![status_item(&expected, &expected["events"][0])]
    );

    let cases = [
        ("cl-1", "Delivered", "Delivered", "delivered"),
        ("cl-2", "DeliveredFailed", "Failed", "undelivered"),
        ("cl-3", "DeliveredFailed", "Expired", "expired"),
        ("cl-4", "DeliveredFailed", "Rejected", "rejected"),
        ("cl-5", "DeliveredFailed", "SomethingNew", "undelivered"),
    ];
    for (id, delivery, external, _) in cases {
        let body = json!({"messageId": id, "deliveryStatus": delivery, "externalDeliveryStatus": external,
                          "reasonText": format!("gateway said {external}")});
        r.post_json(CLEARLINE_STATUS, &body).await.assert_ack();
    }
    for (id, delivery, external, status) in cases {
        let message = r.message("clearline", id).await;
        assert_eq!(message["status"], status, "{message}");
        assert_eq!(message["status_at"], Value::Null);
        let event = &message["events"][0];
        assert_eq!(
            (&event["raw_status"], &event["raw_code"], &event["description"]),
            (
                &json!(delivery),
                &json!(external),
                &json!(format!("gateway said {external}"))
            )
        );
    }
}
