//! The benchmark's baseline: the receiver's routes, answered 200 without
//! authentication, reading or storing.

#[tokio::test]
async fn the_noop_server_answers_every_callback_route_ok() {
    let server = smsgate_receiver::start_noop("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = reqwest::Client::new();
    let posts = [
        "/client-callback/sms-status",
        "/client-callback/sms-reply",
        "/client-callback/one-api-status",
        "/client-callback/one-api-reply",
        "/client-callback/smarthive-status",
        "/client-callback/clearline-status",
    ];
    for path in posts {
        let response = client
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(r#"{"anything": 1}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"status": "ok"}), "{path}");
    }
    for path in [
        "/client-callback/sms-status?x=1",
        "/client-callback/sms-reply",
        "/healthz",
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let response = client.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    server.close().await.unwrap();
}
