//! A consumer polling `/v1/events` with its cursor while four writers post
//! callbacks (with retries) sees every event exactly once: no skip, no
//! repeat.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use smsgate_test_support::receiver::TestReceiver;

use crate::support::one_api_status;
use crate::support::routes::*;

const WRITERS: usize = 4;
const PER_WRITER: usize = 50;

/// The `i`th callback of writer `w`, and the feed key of the event it makes.
fn callback(w: usize, i: usize) -> (&'static str, Value, String) {
    let t = 1_700_000_000_000_i64 + i as i64;
    match w {
        0 => (
            SMS_STATUS,
            json!({"messageId": format!("c-{i}"), "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT", "timestamp": t.to_string()}),
            format!("clickatell/status/c-{i}"),
        ),
        1 if i.is_multiple_of(2) => (
            ONE_API_STATUS,
            one_api_status(&format!("oa-{i}"), 5, "DEVICE_ACK", t),
            format!("clickatell/status/oa-{i}"),
        ),
        1 => (
            ONE_API_REPLY,
            json!({"event": {"moText": [{"messageId": format!("mo-{i}"), "content": "hi", "timestamp": t}]}}),
            format!("clickatell/inbound/mo-{i}"),
        ),
        2 => (
            SMARTHIVE_STATUS,
            json!({"msg_id": format!("sh-{i}"), "status": "DELIVRD", "timestamp": "202311042057"}),
            format!("smarthive/status/sh-{i}"),
        ),
        _ => (
            CLEARLINE_STATUS,
            json!({"messageId": format!("cl-{i}"), "deliveryStatus": "Delivered"}),
            format!("clearline/status/cl-{i}"),
        ),
    }
}

fn key(event: &Value) -> String {
    format!(
        "{}/{}/{}",
        event["provider"].as_str().unwrap(),
        event["kind"].as_str().unwrap(),
        event["message_id"].as_str().unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_consumer_sees_every_event_once_while_writers_write() {
    let r = TestReceiver::start().await;
    let expected: BTreeSet<String> = (0..WRITERS)
        .flat_map(|w| (0..PER_WRITER).map(move |i| callback(w, i).2))
        .collect();
    assert_eq!(expected.len(), WRITERS * PER_WRITER);

    let writers = (0..WRITERS).map(|w| {
        let r = &r;
        async move {
            for i in 0..PER_WRITER {
                let (path, body, _) = callback(w, i);
                r.post_json(path, &body).await.assert_ack();
                // A provider retry of every seventh callback.
                if i % 7 == 3 {
                    r.post_json(path, &body).await.assert_ack();
                }
            }
        }
    });
    let poller = async {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen: Vec<Value> = Vec::new();
        let mut after: Option<String> = None;
        while seen.len() < expected.len() {
            assert!(Instant::now() < deadline, "the poller saw only {} events", seen.len());
            let path = match &after {
                None => "/v1/events?limit=7".to_string(),
                Some(cursor) => format!("/v1/events?limit=7&after={cursor}"),
            };
            let page = r.api_json(&path).await;
            let events = page["events"].as_array().unwrap();
            assert!(events.len() <= 7);
            if events.is_empty() {
                // Nothing new: the cursor stays where it was.
                if let Some(after) = &after {
                    assert_eq!(page["next_cursor"].as_str(), Some(after.as_str()));
                }
                after = Some(page["next_cursor"].as_str().unwrap().to_string());
                tokio::time::sleep(Duration::from_millis(2)).await;
                continue;
            }
            seen.extend(events.iter().cloned());
            after = Some(page["next_cursor"].as_str().unwrap().to_string());
        }
        (seen, after)
    };
    let (_, (seen, after)) = tokio::join!(futures::future::join_all(writers), poller);

    let keys: Vec<String> = seen.iter().map(key).collect();
    let distinct: BTreeSet<String> = keys.iter().cloned().collect();
    assert_eq!(distinct.len(), keys.len(), "the poller saw an event twice");
    assert_eq!(distinct, expected, "the poller missed or invented events");
    // Nothing after the last cursor, and the whole feed read afterwards is
    // exactly what the poller saw, in the same order.
    let tail = r.api_json(&format!("/v1/events?after={}", after.unwrap())).await;
    assert_eq!(tail["events"], json!([]));
    assert_eq!(r.events().await, seen);
    assert_eq!(r.raw_requests().len(), WRITERS * PER_WRITER + WRITERS * 7);
}
