//! `api_listen`: the callback address serves callbacks (and `/healthz`)
//! only, the query API's address serves `/v1`, `/metrics` (and `/healthz`)
//! only.

use reqwest::StatusCode;
use smsgate_test_support::receiver::{Options, TestReceiver, send};
use smsgate_test_support::secrets::API_TOKEN;

use crate::support::one_api_status;
use crate::support::routes::*;

#[tokio::test]
async fn callbacks_and_the_query_api_on_separate_listeners() {
    let r = TestReceiver::start_with(Options {
        separate_api: true,
        ..Options::default()
    })
    .await;
    assert_ne!(r.running.callback_addr(), r.running.api_addr());
    assert_ne!(r.callback_base, r.api_base);

    // Callbacks work on the callback address (`post` uses it).
    r.post_json(ONE_API_STATUS, &one_api_status("sep-1", 5, "DEVICE_ACK", 1))
        .await
        .assert_ack();
    r.get_callback(SMS_STATUS, &[("messageId", "sep-2"), ("statusCode", "4")])
        .await
        .assert_ack();

    // ...and are not there on the query API's address, whatever the secret.
    for (method, path) in [
        ("POST", ONE_API_STATUS),
        ("GET", SMS_STATUS),
        ("POST", SMARTHIVE_STATUS),
    ] {
        let url = format!("{}{path}", r.api_base);
        let request = match method {
            "POST" => r
                .http
                .post(&url)
                .body(one_api_status("sep-3", 5, "DEVICE_ACK", 1).to_string()),
            _ => r.http.get(&url).query(&[("messageId", "sep-3")]),
        };
        for token in [r.secret.as_str(), "wrong"] {
            let reply = send(request.try_clone().unwrap().query(&[("token", token)])).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path} on the API address: {}",
                reply.text
            );
        }
    }

    // The query API answers on its own address...
    let events = r.events().await;
    let ids: Vec<&str> = events.iter().map(|e| e["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["sep-1", "sep-2"]);
    r.api("/metrics").await.assert_status(StatusCode::OK);

    // ...and not on the callback address, even with the right token.
    for path in [
        "/v1/events",
        "/v1/inbound",
        "/v1/quarantine",
        "/v1/messages/clickatell/sep-1",
        "/metrics",
    ] {
        let reply = send(r.http.get(r.callback_url(path)).bearer_auth(API_TOKEN)).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path} on the callback address: {}",
            reply.text
        );
    }

    // /healthz on both.
    for base in [&r.callback_base, &r.api_base] {
        let reply = send(r.http.get(format!("{base}/healthz"))).await;
        reply.assert_status(StatusCode::OK);
        assert_eq!(reply.json(), serde_json::json!({"status": "ok"}));
    }
}
