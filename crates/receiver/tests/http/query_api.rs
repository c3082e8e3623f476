//! The query API: parameters, paging and cursors, 404s, and the endpoints
//! without auth (`/healthz`, `/metrics`).

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use smsgate_test_support::receiver::{TestReceiver, send};

use crate::support::one_api_status;
use crate::support::routes::*;

#[tokio::test]
async fn a_bad_limit_or_cursor_is_400_saying_what_is_allowed() {
    let r = TestReceiver::start().await;
    for path in ["/v1/events", "/v1/inbound"] {
        for limit in ["0", "1001", "abc", "-1", "1.5", ""] {
            let reply = r.api(&format!("{path}?limit={limit}")).await;
            reply.assert_status(StatusCode::BAD_REQUEST);
            assert!(
                reply.message().contains("1 to 1000"),
                "{path}?limit={limit}: {}",
                reply.text
            );
        }
        // Not a number, and a number no page of this store ever handed out.
        for after in ["abc", "-1", "1.0", "%20", "", "99999999999999999999", "42"] {
            let reply = r.api(&format!("{path}?after={after}")).await;
            reply.assert_status(StatusCode::BAD_REQUEST);
            assert!(
                reply.message().contains("cursor"),
                "{path}?after={after}: {}",
                reply.text
            );
        }
        for limit in ["1", "1000"] {
            r.api(&format!("{path}?limit={limit}"))
                .await
                .assert_status(StatusCode::OK);
        }
    }
}

#[tokio::test]
async fn paging_walks_every_event_once_in_commit_order() {
    let r = TestReceiver::start().await;
    for i in 0..7 {
        r.post_json(
            ONE_API_STATUS,
            &one_api_status(&format!("page-{i}"), 4, "SENT_TO_SUPPLIER", 1_700_000_000_000),
        )
        .await
        .assert_ack();
    }
    let first = r.api_json("/v1/events").await;
    let everything = first["events"].as_array().unwrap().clone();
    assert_eq!(everything.len(), 7);
    assert_eq!(first["next_cursor"], everything[6]["cursor"]);
    let ids: Vec<&str> = everything.iter().map(|e| e["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids, (0..7).map(|i| format!("page-{i}")).collect::<Vec<_>>());

    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &after {
            None => "/v1/events?limit=2".to_string(),
            Some(cursor) => format!("/v1/events?limit=2&after={cursor}"),
        };
        let page = r.api_json(&path).await;
        let events = page["events"].as_array().unwrap();
        assert!(events.len() <= 2);
        if events.is_empty() {
            // Nothing new: the cursor stays where it is, however often asked.
            assert_eq!(page["next_cursor"].as_str(), after.as_deref());
            let again = r.api_json(&path).await;
            assert_eq!(again, json!({"events": [], "next_cursor": after.clone().unwrap()}));
            break;
        }
        assert_eq!(page["next_cursor"], events.last().unwrap()["cursor"]);
        walked.extend(events.iter().cloned());
        after = Some(page["next_cursor"].as_str().unwrap().to_string());
        pages += 1;
    }
    assert_eq!(pages, 4);
    assert_eq!(walked, everything);

    // Something new: the same cursor now gets exactly it.
    r.post_json(
        ONE_API_STATUS,
        &one_api_status("page-7", 5, "DEVICE_ACK", 1_700_000_000_000),
    )
    .await
    .assert_ack();
    let page = r
        .api_json(&format!("/v1/events?limit=2&after={}", after.as_deref().unwrap()))
        .await;
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["message_id"], "page-7");
    assert_eq!(page["next_cursor"], events[0]["cursor"]);
    // Any cursor resumes: from the third event on.
    let third = everything[2]["cursor"].as_str().unwrap();
    let rest = r.api_json(&format!("/v1/events?after={third}")).await;
    let ids: Vec<&str> = rest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["page-3", "page-4", "page-5", "page-6", "page-7"]);
}

#[tokio::test]
async fn an_empty_feed_and_inbound_paging() {
    let r = TestReceiver::start().await;
    let empty = r.api_json("/v1/events").await;
    assert_eq!(empty["events"], json!([]));
    let start = empty["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(r.api_json(&format!("/v1/events?after={start}")).await, empty);
    assert_eq!(r.api_json("/v1/inbound").await["messages"], json!([]));
    assert_eq!(r.api_json("/v1/quarantine").await, json!({"requests": []}));

    // Inbound messages between status events: /v1/inbound pages over them alone.
    for i in 0..3 {
        r.post_json(
            ONE_API_STATUS,
            &one_api_status(&format!("s-{i}"), 4, "SENT_TO_SUPPLIER", 1),
        )
        .await
        .assert_ack();
        let reply = json!({"event": {"moText": [{"messageId": format!("mo-{i}"), "content": format!("reply {i}")}]}});
        r.post_json(ONE_API_REPLY, &reply).await.assert_ack();
    }
    let mut texts = Vec::new();
    let mut after = start;
    loop {
        let page = r.api_json(&format!("/v1/inbound?limit=1&after={after}")).await;
        let messages = page["messages"].as_array().unwrap();
        if messages.is_empty() {
            assert_eq!(page["next_cursor"], json!(after));
            break;
        }
        assert_eq!(messages.len(), 1);
        texts.push(messages[0]["text"].as_str().unwrap().to_string());
        after = page["next_cursor"].as_str().unwrap().to_string();
    }
    assert_eq!(texts, ["reply 0", "reply 1", "reply 2"]);
}

#[tokio::test]
async fn unknown_messages_and_providers_are_404() {
    let r = TestReceiver::start().await;
    r.post_json(ONE_API_STATUS, &one_api_status("known", 5, "DEVICE_ACK", 1))
        .await
        .assert_ack();
    r.api("/v1/messages/clickatell/known")
        .await
        .assert_status(StatusCode::OK);
    for path in [
        "/v1/messages/clickatell/unknown",
        "/v1/messages/smarthive/known",
        "/v1/messages/twilio/known",
        "/v1/messages/Clickatell/known",
        "/v1/nothing-here",
    ] {
        r.api(path).await.assert_status(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn healthz_and_metrics_need_no_auth() {
    let r = TestReceiver::start().await;
    r.post_json(SMARTHIVE_STATUS, &json!({"msg_id": "m-1", "status": "DELIVRD"}))
        .await
        .assert_ack();
    let health = send(r.http.get(r.callback_url("/healthz"))).await;
    health.assert_status(StatusCode::OK);
    assert_eq!(health.json(), json!({"status": "ok"}));

    let metrics = send(r.http.get(r.api_url("/metrics"))).await;
    metrics.assert_status(StatusCode::OK);
    let content_type = metrics.headers.get(CONTENT_TYPE).unwrap().to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    for line in [
        "# TYPE smsgate_callbacks_received counter",
        "smsgate_callbacks_received_total{provider=\"smarthive\",outcome=\"stored\"} 1",
        "smsgate_events_stored_total{provider=\"smarthive\",kind=\"status\"} 1",
        "# TYPE smsgate_store_commit_seconds histogram",
    ] {
        assert!(
            metrics.text.lines().any(|l| l == line),
            "no {line:?} in\n{}",
            metrics.text
        );
    }
    assert!(metrics.text.trim_end().ends_with("# EOF"), "{}", metrics.text);
}

#[tokio::test]
async fn the_default_page_is_100_events_and_the_largest_1000() {
    let r = TestReceiver::start().await;
    // 101 events in one callback (a One API batch).
    let updates: Vec<_> = (0..101)
        .map(|i| json!({"messageId": format!("many-{i}"), "statusCode": 4, "timestamp": 1_700_000_000_000_i64 + i}))
        .collect();
    r.post_json(ONE_API_STATUS, &json!({"event": {"messageStatusUpdate": updates}}))
        .await
        .assert_ack();
    let page = r.api_json("/v1/events").await;
    assert_eq!(page["events"].as_array().unwrap().len(), 100);
    assert_eq!(page["next_cursor"], page["events"][99]["cursor"]);
    let rest = r
        .api_json(&format!("/v1/events?after={}", page["next_cursor"].as_str().unwrap()))
        .await;
    assert_eq!(rest["events"].as_array().unwrap().len(), 1);
    assert_eq!(rest["events"][0]["message_id"], "many-100");
    assert_eq!(
        r.api_json("/v1/events?limit=1000").await["events"]
            .as_array()
            .unwrap()
            .len(),
        101
    );
}
