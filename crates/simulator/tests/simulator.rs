//! The simulator over HTTP, between our generated provider-role clients and
//! a real in-process receiver: every operation is accepted with no
//! validation error, bad keys and bad requests get the providers' documented
//! errors with the validator's words, and every accepted message's callbacks
//! reach the receiver, where the query API shows it end in its planned
//! terminal status; with the hostile knobs on, still exactly once.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use smsgate::clearline::sms_api::types::SendSmsRequest;
use smsgate::clickatell::sms_api::types::{SendBulkMessageRequest, SendMessageRequest};
use smsgate_simulator::Knobs;
use smsgate_test_support::secrets::API_TOKEN;

use crate::support::{API_KEY, Rig, eventually, get_json, http, simulator_for, until_accepted};

fn clickatell_request(to: &[&str], client_message_id: &str) -> SendMessageRequest {
    serde_json::from_value(json!({
        "to": to, "content": "Your code is 1234", "from": "27820000000", "clientMessageId": client_message_id,
    }))
    .unwrap()
}

fn clearline_request(callback_url: &str, phone: &str) -> SendSmsRequest {
    serde_json::from_value(json!({"phone": phone, "message": "Your order is ready", "callbackUrl": callback_url}))
        .unwrap()
}

/// Every message the ledger lists reaches, in the receiver, the terminal
/// status the simulator planned for it, with one event per distinct status.
async fn assert_each_message_ends_as_planned(rig: &Rig) {
    let ledger = rig.all_callbacks_delivered().await;
    let messages = ledger["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    for message in messages {
        let (provider, id) = (
            message["provider"].as_str().unwrap(),
            message["message_id"].as_str().unwrap(),
        );
        let stored = eventually("the message is stored", || rig.stored(provider, id)).await;
        assert_eq!(stored["status"], message["outcome"], "{provider}/{id}: {stored:#}");
        let distinct = message["callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["duplicate"] == false)
            .count();
        assert_eq!(
            stored["events"].as_array().unwrap().len(),
            distinct,
            "exactly once: {stored:#}\n{message:#}"
        );
    }
}

#[tokio::test]
async fn every_provider_operation_of_our_clients_is_accepted_and_plays_to_a_terminal_status() {
    let rig = Rig::start(Knobs::default(), 1).await;
    let clickatell = rig.clickatell();

    let sent = clickatell
        .send_message_rest_1()
        .body(clickatell_request(&["27820000001", "27820000002"], "order-1"))
        .send()
        .await
        .expect("sendMessageREST_1 accepted");
    assert_eq!(sent.status(), reqwest::StatusCode::ACCEPTED);
    let sent = sent.into_inner();
    assert_eq!(sent.error_code, None);
    assert_eq!(sent.messages.len(), 2);
    for (message, to) in sent.messages.iter().zip(["27820000001", "27820000002"]) {
        assert_eq!(message.accepted, Some(true));
        assert_eq!(message.to.as_deref(), Some(to));
        assert_eq!(message.api_message_id.as_deref().map(str::len), Some(32));
    }

    let bulk = SendBulkMessageRequest::builder().message_list(vec![
        clickatell_request(&["27820000003"], "order-2"),
        clickatell_request(&["27820000004"], "order-3"),
    ]);
    let results = clickatell
        .send_bulk_message_rest()
        .body(bulk)
        .send()
        .await
        .expect("bulk accepted");
    assert_eq!(results.status(), reqwest::StatusCode::ACCEPTED);
    let results = results.into_inner();
    assert_eq!(results.len(), 2);
    assert!(
        results
            .iter()
            .all(|r| r.error_code.is_none() && r.messages[0].accepted == Some(true))
    );

    let over_http = clickatell
        .send_message_http()
        .to("27820000005")
        .content("hello over GET")
        .client_message_id("order-4")
        .send()
        .await
        .expect("sendMessageHTTP accepted")
        .into_inner();
    assert_eq!(over_http.messages[0].to.as_deref(), Some("27820000005"));

    let queued = rig
        .clearline()
        .send_sms()
        .body(clearline_request(&rig.clearline_callback_url(), "+12025551234"))
        .send()
        .await
        .expect("sendSms accepted");
    assert_eq!(queued.status(), reqwest::StatusCode::OK);
    let queued = queued.into_inner();
    assert_eq!(queued.succeed, Some(true));
    let clearline_id = queued.message_id.expect("a messageId");

    assert_each_message_ends_as_planned(&rig).await;
    let ledger = rig.ledger().await;
    let ids: Vec<&str> = ledger["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids[5], clearline_id);
    let stored = rig.stored("clickatell", ids[0]).await.unwrap();
    assert_eq!(stored["client_message_id"], "order-1");
    assert_eq!(stored["to"], "27820000001");
}

#[tokio::test]
async fn a_wrong_or_missing_key_gets_the_providers_documented_error() {
    let rig = Rig::start(Knobs::default(), 1).await;
    let body = json!({"to": ["27820000001"], "content": "hi"});
    for key in [Some("not-the-key"), None] {
        let mut request = http().post(format!("{}/messages", rig.sim)).json(&body);
        if let Some(key) = key {
            request = request.header("Authorization", key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["errorCode"], 1, "{answer}");
        assert_eq!(answer["error"], "Invalid or missing Integration API Key");
        assert!(answer["messages"].as_array().is_none_or(Vec::is_empty), "{answer}");
    }
    // The HTTP integration takes the key as ?apiKey=, not as a header.
    let url = format!("{}/messages/http/send?to=2782&content=hi", rig.sim);
    let response = http().get(&url).header("Authorization", API_KEY).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = http().get(format!("{url}&apiKey=wrong")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<Value>().await.unwrap()["errorCode"], 1);
    // ClearLine: the ApiKey header; the generated client with a wrong key.
    let wrong = smsgate::clearline::sms_api::Client::with_api_key(&rig.sim, smsgate::ApiKey::new("wrong").unwrap());
    let error = wrong
        .send_sms()
        .body(clearline_request(&rig.clearline_callback_url(), "+1202"))
        .send()
        .await
        .expect_err("401");
    assert_eq!(error.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    let response = http()
        .post(format!("{}/MessageSender/sms", rig.sim))
        .header("Authorization", API_KEY)
        .json(&json!({"phone": "+1202", "message": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["succeed"], false);
    assert!(answer["error"].as_str().unwrap().contains("ApiKey header"), "{answer}");
    assert!(!answer.to_string().contains(API_KEY));
    assert_eq!(rig.ledger().await["messages"], json!([]), "nothing accepted");
}

#[tokio::test]
async fn an_invalid_request_gets_400_with_the_validators_message() {
    let rig = Rig::start(Knobs::default(), 1).await;
    let post = |path: &str, header: &str, body: &str| {
        http()
            .post(format!("{}{path}", rig.sim))
            .header(header, API_KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    // Wrong types, against the spec's SendMessageRequest.
    let response = post("/messages", "Authorization", r#"{"to": "27820000001", "content": 5}"#)
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["errorCode"], 23, "{answer}");
    let description = answer["errorDescription"].as_str().unwrap();
    assert!(
        description.contains("/to: ") && description.contains("/content: "),
        "{description}"
    );
    assert!(description.contains("is not of type"), "{description}");
    // A bulk entry with an out-of-range int32.
    let response = post(
        "/messages/rest/bulk",
        "Authorization",
        r#"{"messageList": [{"to": ["2782"], "content": "x", "validityPeriod": 3000000000}]}"#,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["errorDescription"]
            .as_str()
            .unwrap()
            .contains("/messageList/0/validityPeriod"),
        "{answer}"
    );
    // Not JSON at all.
    let response = post("/messages", "Authorization", r#"{"to": ["2782"],"#).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.unwrap()["errorCode"], 21);
    // No recipient: valid against the schema, refused like Clickatell does.
    let response = post("/messages", "Authorization", r#"{"to": [], "content": "x"}"#)
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response.json::<Value>().await.unwrap()["errorDescription"]
            .as_str()
            .unwrap()
            .starts_with("to:")
    );
    // HTTP send without its required content.
    let url = format!("{}/messages/http/send?apiKey={API_KEY}&to=2782", rig.sim);
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["errorDescription"]
            .as_str()
            .unwrap()
            .contains("\"content\" is a required property"),
        "{answer}"
    );
    // ClearLine without its required phone.
    let response = post("/MessageSender/sms", "ApiKey", r#"{"message": "hi"}"#)
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["succeed"], false);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("\"phone\" is a required property"),
        "{answer}"
    );
    assert_eq!(rig.ledger().await["messages"], json!([]), "nothing accepted");
}

#[tokio::test]
async fn a_clearline_message_without_a_usable_callback_url_is_accepted_and_says_why_nothing_is_sent() {
    let rig = Rig::start(Knobs::default(), 1).await;
    let request: SendSmsRequest = serde_json::from_value(json!({"phone": "+1202", "message": "hi"})).unwrap();
    rig.clearline().send_sms().body(request).send().await.expect("accepted");
    let request = clearline_request("https://example.invalid/hooks/sms?token=s3cret", "+1203");
    rig.clearline().send_sms().body(request).send().await.expect("accepted");
    let ledger = rig.ledger().await;
    let callbacks: Vec<&Value> = ledger["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["callbacks"][0])
        .collect();
    assert_eq!(callbacks[0]["state"], "not_sent");
    assert_eq!(callbacks[0]["last_error"], "no callbackUrl in the send request");
    assert_eq!(callbacks[1]["state"], "not_sent");
    let why = callbacks[1]["last_error"].as_str().unwrap();
    assert!(why.contains("/hooks/sms") && !why.contains("s3cret"), "{why}");
}

fn hostile() -> Knobs {
    Knobs {
        duplicate_rate: 0.5,
        reorder: true,
        delay_ms: 30,
        fail_rate: 0.3,
        ..Knobs::default()
    }
}

/// Sends the same requests in the same order, retrying 503s; returns how
/// many 503s the client saw.
async fn send_a_batch(rig: &Rig) -> u32 {
    let (clickatell, clearline, callback_url) = (rig.clickatell(), rig.clearline(), rig.clearline_callback_url());
    let mut unavailable = 0;
    for n in 0..6 {
        let id = format!("order-{n}");
        let to = format!("2782000001{n}");
        let (_, retries) = until_accepted(|| {
            clickatell
                .send_message_rest_1()
                .body(clickatell_request(&[to.as_str()], &id))
                .send()
        })
        .await;
        unavailable += retries;
    }
    for n in 0..3 {
        let (_, retries) = until_accepted(|| {
            clearline
                .send_sms()
                .body(clearline_request(&callback_url, &format!("+120255500{n}")))
                .send()
        })
        .await;
        unavailable += retries;
    }
    unavailable
}

#[tokio::test]
async fn with_every_knob_on_events_are_still_stored_once_and_every_message_ends() {
    let rig = Rig::start(hostile(), 7).await;
    let unavailable = send_a_batch(&rig).await;
    assert!(unavailable > 0, "seed 7 with --fail-rate 0.3 fails some send requests");
    let ledger = rig.ledger().await;
    let callbacks: Vec<&Value> = ledger["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["callbacks"].as_array().unwrap())
        .collect();
    assert!(
        callbacks.iter().any(|c| c["duplicate"] == true),
        "seed 7 duplicates some callbacks"
    );
    assert_each_message_ends_as_planned(&rig).await;
}

/// One message's plan: id, outcome, callbacks in order with their duplicate flags.
type PlannedMessage = (String, String, Vec<(String, bool)>);

/// What a run planned.
fn plan_of(ledger: &Value) -> Vec<PlannedMessage> {
    ledger["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let callbacks = m["callbacks"].as_array().unwrap();
            let steps = callbacks
                .iter()
                .map(|c| (c["status"].as_str().unwrap().to_string(), c["duplicate"] == true));
            (m["message_id"].to_string(), m["outcome"].to_string(), steps.collect())
        })
        .collect()
}

#[tokio::test]
async fn the_same_seed_replays_the_same_plan() {
    let (first, second, other) = (
        Rig::start(hostile(), 99).await,
        Rig::start(hostile(), 99).await,
        Rig::start(hostile(), 100).await,
    );
    let failures = [send_a_batch(&first).await, send_a_batch(&second).await];
    send_a_batch(&other).await;
    assert_eq!(failures[0], failures[1], "the same requests fail");
    let plans = [
        plan_of(&first.ledger().await),
        plan_of(&second.ledger().await),
        plan_of(&other.ledger().await),
    ];
    assert_eq!(plans[0].len(), 9);
    assert_eq!(plans[0], plans[1]);
    assert_ne!(plans[0], plans[2]);
}

/// A receiver that answers 503 to its first `failures` requests, then acks;
/// it records every request line and body.
/// Request lines and bodies, as received.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

fn flaky_receiver(failures: usize) -> (String, Seen) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                if line.trim().is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut seen = record.lock().unwrap();
            seen.push((request_line.trim().to_string(), String::from_utf8(body).unwrap()));
            let answer = if seen.len() <= failures {
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            } else {
                let ack = r#"{"status":"ok"}"#;
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ack}",
                    ack.len()
                )
            };
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    (base, seen)
}

#[tokio::test]
async fn a_receiver_answering_503_is_retried_until_it_acknowledges() {
    let (receiver, seen) = flaky_receiver(2);
    let simulator = simulator_for(&receiver, Knobs::default(), 1);
    let sim = format!("http://{}", simulator.local_addr());
    let outcome: Value = http()
        .post(format!("{sim}/simulator/smarthive-report"))
        .json(&json!({"msg_id": "sh-1", "status": "UNDELIV"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["callback"]["state"], "delivered", "{outcome}");
    assert_eq!(outcome["callback"]["attempts"], 3, "{outcome}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(
            |(line, body)| line.starts_with("POST /client-callback/smarthive-status?token=") && body == &seen[0].1
        )
    );
    let report: Value = serde_json::from_str(&seen[0].1).unwrap();
    assert_eq!(report["msg_id"], "sh-1");
    assert_eq!(report["status"], "UNDELIV");
}

#[tokio::test]
async fn the_control_endpoint_sends_every_inbound_type_and_a_smarthive_report() {
    let rig = Rig::start(Knobs::default(), 1).await;
    let kinds = [
        "sms_reply",
        "text",
        "media",
        "location",
        "contacts",
        "suggested_response",
        "button",
        "list_picker",
    ];
    let mut sent = BTreeMap::new();
    for kind in kinds {
        let text = format!("{kind} text");
        let outcome: Value = http()
            .post(format!("{}/simulator/inbound", rig.sim))
            .json(&json!({"type": kind, "related_message_id": "m-1", "text": text}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(outcome["callback"]["state"], "delivered", "{kind}: {outcome}");
        sent.insert(outcome["message_id"].as_str().unwrap().to_string(), (kind, text));
    }
    let inbound = get_json(&format!("{}/v1/inbound", rig.receiver_base), Some(API_TOKEN)).await;
    let stored = inbound["messages"].as_array().unwrap();
    assert_eq!(stored.len(), kinds.len(), "{inbound:#}");
    for message in stored {
        let (kind, text) = &sent[message["message_id"].as_str().unwrap()];
        let expected_type = if *kind == "sms_reply" { "text" } else { kind };
        assert_eq!(message["type"], expected_type, "{message:#}");
        assert_eq!(message["related_message_id"], "m-1");
        if *kind != "contacts" {
            assert_eq!(message["text"], text.as_str(), "{message:#}");
        }
    }
    let outcome: Value = http()
        .post(format!("{}/simulator/smarthive-report", rig.sim))
        .json(&json!({"msg_id": "sh-2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["callback"]["state"], "delivered", "{outcome}");
    let stored = rig.stored("smarthive", "sh-2").await.expect("stored");
    assert_eq!(stored["status"], "delivered");
}

#[tokio::test]
async fn over_its_throttle_a_send_gets_429_with_retry_after_in_the_providers_shape() {
    let knobs = Knobs {
        throttle: Some(1.0),
        ..Knobs::default()
    };
    let rig = Rig::start(knobs, 1).await;
    let send = |n: u32| {
        http()
            .post(format!("{}/messages", rig.sim))
            .header("Authorization", API_KEY)
            .json(&json!({"to": [format!("2782000000{n}")], "content": "hi"}))
            .send()
    };
    assert_eq!(send(0).await.unwrap().status(), 202, "one segment a second is taken");
    let throttled = send(1).await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "1", "whole seconds, at least one");
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["errorCode"], 19, "{body}");
    let clearline = http()
        .post(format!("{}/MessageSender/sms", rig.sim))
        .header("ApiKey", API_KEY)
        .json(&json!({"phone": "+12025550100", "message": "hi", "callbackUrl": rig.clearline_callback_url()}))
        .send()
        .await
        .unwrap();
    assert_eq!(clearline.status(), 429);
    assert!(clearline.headers().contains_key("retry-after"));
    assert_eq!(rig.ledger().await["throttled"], 2);
}
