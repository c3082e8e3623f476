//! SmartHive's status reports: the documented example exactly as published
//! (trailing comma included), numbers where the doc has strings, and a batch.

use serde_json::json;
use smsgate_test_support::receiver::TestReceiver;

use super::status_item;
use crate::support::routes::*;
use crate::support::{feed_without_cursors, now_ms, upstream, without_times};

/// SmartHive's callback page, verbatim: its example body (with the trailing
/// comma) is what SmartHive sends.
fn smarthive_documented_example() -> String {
    let page = upstream("smarthive/002_e463ac632014d8f7.txt");
    let block = page
        .split("```")
        .find(|block| block.contains("\"msg_id\""))
        .expect("the page has the example");
    let body = block.trim().to_string();
    assert!(body.starts_with('{') && body.ends_with('}'), "{body}");
    assert!(
        body.contains("\"DELIVERED\",\n}"),
        "the example as published has a trailing comma: {body}"
    );
    body
}

#[tokio::test]
async fn smarthive_documented_example_as_published() {
    let r = TestReceiver::start().await;
    let body = smarthive_documented_example();
    let from = now_ms();
    r.post(SMARTHIVE_STATUS, body.clone()).await.assert_ack();
    let to = now_ms();
    let expected = json!({
        "provider": "smarthive",
        "message_id": "jyd823-23n",
        "client_message_id": null,
        "to": null,
        "from": null,
        "status": "delivered",
        // 2023-11-04 20:57 UTC
        "status_at": 1_699_131_420_000_i64,
        "events": [{
            "status": "delivered",
            "raw_status": "DELIVRD",
            "raw_code": "err:000",
            "description": "DELIVERED",
            "occurred_at": 1_699_131_420_000_i64,
            "channel": "sms",
        }],
    });
    assert_eq!(
        without_times(r.message("smarthive", "jyd823-23n").await, from, to),
        expected
    );
    assert_eq!(
        feed_without_cursors(&r.events().await, from, to),
        vec![status_item(&expected, &expected["events"][0])]
    );
    assert_eq!(r.raw_requests()[0].body, body.as_bytes(), "kept byte for byte");
}

#[tokio::test]
async fn smarthive_reports_with_numbers_and_a_batch() {
    let r = TestReceiver::start().await;
    // Numbers where the page says strings, and a field it does not list.
    let report = json!({"msg_id": "sh-2", "status": "UNDELIV", "dlr_code": 1, "timestamp": 202_311_042_100_i64,
                        "str_length": 157, "pg_length": 1, "cost": 3.0, "desc": "UNDELIVERABLE", "operator": "MTN"});
    r.post_json(SMARTHIVE_STATUS, &report).await.assert_ack();
    let batch = json!([
        {"msg_id": "sh-3", "status": "EXPIRED", "dlr_code": "err:027", "timestamp": "202311042101"},
        {"msg_id": "sh-4", "status": "REJECTD", "dlr_code": "err:010", "timestamp": "202311042102"},
    ]);
    r.post_json(SMARTHIVE_STATUS, &batch).await.assert_ack();
    let sh2 = r.message("smarthive", "sh-2").await;
    assert_eq!(sh2["status"], "undelivered");
    assert_eq!(sh2["status_at"], 1_699_131_600_000_i64);
    assert_eq!(sh2["events"][0]["raw_code"], "1");
    assert_eq!(r.message("smarthive", "sh-3").await["status"], "expired");
    assert_eq!(r.message("smarthive", "sh-4").await["status"], "rejected");
    assert_eq!(r.events().await.len(), 3);
}
