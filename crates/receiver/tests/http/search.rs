//! `GET /v1/messages` (search) and `GET /v1/stats/delivery` over HTTP:
//! filters and pages as the store answers them, the statistics' JSON
//! shape, and a 400 saying what is expected for every bad parameter.

use reqwest::StatusCode;
use smsgate_test_support::receiver::TestReceiver;

use crate::support::one_api_status;
use crate::support::routes::*;

const T0: i64 = 1_700_000_000_000;

/// Stores One API statuses: m0..m4 delivered 2 s after their `QUEUED`
/// (accepted) status, m5 undelivered.
async fn received(r: &TestReceiver) {
    for i in 0..6 {
        let id = format!("m{i}");
        let at = T0 + i * 60_000;
        r.post_json(ONE_API_STATUS, &one_api_status(&id, 2, "QUEUED", at))
            .await
            .assert_ack();
        let (code, word) = if i < 5 {
            (5, "DEVICE_ACK")
        } else {
            (23, "DELIVERY_FAILURE")
        };
        r.post_json(ONE_API_STATUS, &one_api_status(&id, code, word, at + 2_000))
            .await
            .assert_ack();
    }
}

#[tokio::test]
async fn a_search_pages_through_the_matching_messages_newest_first() {
    let r = TestReceiver::start().await;
    received(&r).await;
    let mut ids = Vec::new();
    let mut path = "/v1/messages?provider=clickatell&status=delivered&limit=2".to_string();
    loop {
        let page = r.api_json(&path).await;
        let messages = page["messages"].as_array().unwrap();
        assert!(messages.len() <= 2);
        ids.extend(messages.iter().map(|m| m["message_id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => path = format!("/v1/messages?provider=clickatell&status=delivered&limit=2&after={next}"),
            None => break,
        }
    }
    // Stored in order, so first seen in order: newest first.
    assert_eq!(ids, ["m4", "m3", "m2", "m1", "m0"]);
    let found = r.api_json("/v1/messages?id=m5").await;
    let m5 = &found["messages"][0];
    assert_eq!(found["messages"].as_array().unwrap().len(), 1);
    assert_eq!(
        (m5["status"].as_str(), m5["submitted_at"].as_i64()),
        (Some("undelivered"), Some(T0 + 5 * 60_000))
    );
    assert_eq!(m5["delivered_at"], serde_json::Value::Null);
    assert_eq!(m5["client_message_id"], "client-m5");
    let by_outbound = r.api_json("/v1/messages?outbound_id=client-m2").await;
    assert_eq!(by_outbound["messages"][0]["message_id"], "m2");
    assert_eq!(
        r.api_json("/v1/messages?provider=smarthive").await["messages"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn delivery_stats_per_provider_and_bucket() {
    let r = TestReceiver::start().await;
    received(&r).await;
    let first_seen: Vec<i64> = r.api_json("/v1/messages").await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["first_seen_at"].as_i64().unwrap())
        .collect();
    let since = first_seen.iter().min().unwrap();
    let until = first_seen.iter().max().unwrap() + 1;
    let stats = r
        .api_json(&format!(
            "/v1/stats/delivery?since={since}&until={until}&bucket={}&provider=clickatell",
            until - since
        ))
        .await;
    assert_eq!(
        (stats["since"].as_i64(), stats["until"].as_i64()),
        (Some(*since), Some(until))
    );
    let providers = stats["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 1);
    let total = &providers[0]["total"];
    assert_eq!(total["messages"], 6);
    assert_eq!(
        (
            total["statuses"]["delivered"].as_u64(),
            total["statuses"]["undelivered"].as_u64()
        ),
        (Some(5), Some(1))
    );
    assert_eq!(total["delivery_rate"].as_f64(), Some(5.0 / 6.0));
    assert_eq!(
        total["latency"],
        serde_json::json!({"count": 5, "p50": 2000, "p90": 2000, "p99": 2000})
    );
    assert_eq!(providers[0]["buckets"].as_array().unwrap().len(), 1);
    assert_eq!(providers[0]["buckets"][0]["figures"], *total);
    // By default: the day before now, every provider.
    let day = r.api_json("/v1/stats/delivery").await;
    assert_eq!(
        day["until"].as_i64().unwrap() - day["since"].as_i64().unwrap(),
        24 * 3_600_000
    );
    assert_eq!(day["bucket"], 3_600_000);
    assert_eq!(day["providers"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_parameters_are_400_saying_what_is_expected() {
    let r = TestReceiver::start().await;
    let cases = [
        (
            "/v1/messages?status=sending",
            "unknown variant `sending`, expected one of",
        ),
        (
            "/v1/messages?provider=twilio",
            "expected one of `clickatell`, `smarthive`, `clearline`",
        ),
        ("/v1/messages?since=yesterday", "integer number of milliseconds"),
        ("/v1/messages?until=1.5", "integer number of milliseconds"),
        ("/v1/messages?limit=0", "1 to 1000"),
        ("/v1/messages?after=nonsense", "cursor"),
        ("/v1/stats/delivery?bucket=hour", "integer number of milliseconds"),
        ("/v1/stats/delivery?since=2000&until=1000", "must be before until"),
        ("/v1/stats/delivery?bucket=0", "positive number of ms"),
        ("/v1/stats/delivery?bucket=1000", "at most 1000 are allowed"),
        ("/v1/stats/delivery?since=-5", "since must be a time"),
        ("/v1/stats/delivery?provider=nobody", "expected one of"),
    ];
    for (path, expected) in cases {
        let reply = r.api(path).await;
        reply.assert_status(StatusCode::BAD_REQUEST);
        assert!(reply.message().contains(expected), "{path}: {}", reply.text);
    }
}
