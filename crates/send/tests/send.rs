//! `smsgate send`'s library against a local peer playing each provider:
//! where the key goes, how answers and failures are read, retries, bulk
//! batches, pacing, resuming a run, and recording in the store.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use smsgate::ApiKey;
use smsgate_normalize::{Provider, Status};
use smsgate_send::pace::Pacer;
use smsgate_send::results::{Results, State};
use smsgate_send::retry::RetryPolicy;
use smsgate_send::rows::{Row, read_csv};
use smsgate_send::{Gateway, GatewayConfig, Outgoing, Progress, Route, Sender, Sent, Summary};
use smsgate_test_support::provider_peer::{Peer, Reply};

const KEY: &str = "test-key-5f3a9c";

fn sender(route: Route, peer: &Peer, timeout: Duration) -> Sender {
    Sender {
        gateway: Gateway::new(GatewayConfig {
            route,
            base_url: peer.url(),
            key: ApiKey::new(KEY).unwrap(),
            callback_url: None,
            request_timeout: timeout,
        })
        .unwrap(),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
        },
        pacer: None,
        store: None,
        bulk_size: 100,
        resend_uncertain: false,
    }
}

fn message(to: &str) -> Outgoing {
    Outgoing {
        to: to.into(),
        text: "Your code is 1234".into(),
        from: None,
        client_message_id: None,
    }
}

/// Sends one message; returns what became of it and the waits before retries.
async fn send_one(sender: &mut Sender, to: &str) -> (Sent, Vec<(String, Duration)>) {
    let mut retries = Vec::new();
    let sent = sender
        .send_one(&message(to), &mut |progress| {
            if let Progress::Retrying { failure, wait } = progress {
                retries.push((failure.message.clone(), wait));
            }
        })
        .await
        .unwrap();
    (sent, retries)
}

const TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn each_route_puts_the_key_where_its_spec_says_and_reads_its_answer() {
    let peer = Peer::succeeding().await;
    for route in Route::ALL {
        let (sent, _) = send_one(&mut sender(route, &peer, TIMEOUT), "+27820000001").await;
        let expected = if route == Route::Clearline {
            "cl-27820000001"
        } else {
            "id-27820000001"
        };
        assert_eq!(
            sent,
            Sent::Accepted {
                message_id: expected.into()
            },
            "{route}"
        );
    }
    let requests = peer.requests();
    let [rest, http, clearline] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!((rest.method.as_str(), rest.path.as_str()), ("POST", "/messages"));
    assert_eq!(rest.header("authorization"), Some(KEY));
    assert_eq!(
        rest.body,
        json!({"to": ["+27820000001"], "content": "Your code is 1234"})
    );
    assert_eq!(
        (http.method.as_str(), http.path.as_str()),
        ("GET", "/messages/http/send")
    );
    assert_eq!(http.query_value("apiKey"), Some(KEY));
    assert_eq!(http.header("authorization"), None);
    assert_eq!(http.query_value("to"), Some("+27820000001"));
    assert_eq!(
        (clearline.method.as_str(), clearline.path.as_str()),
        ("POST", "/MessageSender/sms")
    );
    assert_eq!(clearline.header("apikey"), Some(KEY));
    assert_eq!(clearline.header("authorization"), None);
    assert_eq!(
        clearline.body,
        json!({"phone": "+27820000001", "message": "Your code is 1234"})
    );
}

#[tokio::test]
async fn rejections_are_per_recipient_or_per_request_a_refused_key_fails_and_none_shows_the_key() {
    let peer = Peer::start(|seen, _| match seen.path.as_str() {
        "/messages" => Reply::json(
            202,
            json!({"messages": [{"accepted": false, "to": "+27820000001", "errorCode": 105,
                                 "error": "Invalid destination address", "errorDescription": "not a mobile"}]}),
        ),
        "/MessageSender/sms" => Reply::json(200, json!({"succeed": false, "reason": "blocked"})),
        // A 401 that echoes the key back.
        _ => Reply::json(
            401,
            json!({"error": format!("bad key {}", seen.query_value("apiKey").unwrap())}),
        ),
    })
    .await;
    let (rest, _) = send_one(&mut sender(Route::Clickatell, &peer, TIMEOUT), "+27820000001").await;
    assert_eq!(
        rest,
        Sent::Rejected {
            reason: "Clickatell: error 105: Invalid destination address: not a mobile".into()
        }
    );
    let (clearline, _) = send_one(&mut sender(Route::Clearline, &peer, TIMEOUT), "+27820000001").await;
    assert!(
        matches!(&clearline, Sent::Rejected { reason } if reason.contains("succeed=false") && reason.contains("blocked")),
        "{clearline:?}"
    );
    // A refused key is not a verdict on the message: it failed to go, and
    // may go again once the key is fixed (nor is it retried meanwhile).
    let (http, retries) = send_one(&mut sender(Route::ClickatellHttp, &peer, TIMEOUT), "+27820000001").await;
    let Sent::Failed {
        reason,
        maybe_sent: false,
    } = &http
    else {
        panic!("{http:?}")
    };
    assert!(
        reason.contains("HTTP 401") && reason.contains("the API key was refused") && reason.contains("REDACTED"),
        "{reason}"
    );
    assert!(!reason.contains(KEY), "{reason}");
    assert!(retries.is_empty(), "a refused key is not retried");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_and_a_503_after_a_backoff() {
    let peer = Peer::start(|seen, state| match (seen.path.as_str(), state.requests.len()) {
        ("/messages", 0) => Reply::json(429, json!({"error": "slow down"})).with_header("retry-after", "1"),
        ("/MessageSender/sms", 2) => Reply::json(503, json!({})),
        _ => Reply::success(seen),
    })
    .await;
    let (sent, retries) = send_one(&mut sender(Route::Clickatell, &peer, TIMEOUT), "+27820000001").await;
    assert_eq!(
        sent,
        Sent::Accepted {
            message_id: "id-27820000001".into()
        }
    );
    assert_eq!(retries.len(), 1);
    assert!(retries[0].0.contains("HTTP 429"), "{retries:?}");
    assert!(
        retries[0].1 >= Duration::from_secs(1),
        "Retry-After not honoured: {retries:?}"
    );

    let (sent, retries) = send_one(&mut sender(Route::Clearline, &peer, TIMEOUT), "+27820000002").await;
    assert_eq!(
        sent,
        Sent::Accepted {
            message_id: "cl-27820000002".into()
        }
    );
    assert_eq!(retries.len(), 1);
    assert!(retries[0].0.contains("HTTP 503"), "{retries:?}");
    assert_eq!(peer.requests().len(), 4);
}

#[tokio::test]
async fn a_timeout_is_retried_and_a_lasting_one_is_reported_as_maybe_sent() {
    let peer = Peer::start(|seen, state| {
        let slow = seen.recipients()[0] == "+27820000009" || state.requests.is_empty();
        let reply = Reply::success(seen);
        if slow {
            reply.after(Duration::from_secs(10))
        } else {
            reply
        }
    })
    .await;
    let mut quick = sender(Route::Clickatell, &peer, Duration::from_secs(1));
    let (sent, retries) = send_one(&mut quick, "+27820000001").await;
    assert_eq!(
        sent,
        Sent::Accepted {
            message_id: "id-27820000001".into()
        }
    );
    assert_eq!(retries.len(), 1);
    assert!(retries[0].0.contains("timed out"), "{retries:?}");

    let (sent, retries) = send_one(&mut quick, "+27820000009").await;
    assert_eq!(retries.len(), 2, "three attempts in all");
    assert!(matches!(sent, Sent::Failed { maybe_sent: true, .. }), "{sent:?}");
}

fn write_csv(dir: &tempfile::TempDir, rows: usize) -> (std::path::PathBuf, Vec<Row>) {
    let path = dir.path().join("messages.csv");
    let mut text = String::from("to,text\n");
    for i in 1..=rows {
        text.push_str(&format!("+2782000000{i},Hello {i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let rows = read_csv(&path).unwrap();
    (path, rows)
}

async fn run(sender: &mut Sender, rows: &[Row], results: &std::path::Path) -> (Summary, Vec<String>) {
    let mut results = Results::open(results).unwrap();
    let mut accepted = Vec::new();
    let summary = sender
        .send_rows(rows, &mut results, &mut |progress| {
            if let Progress::Done {
                message,
                sent: Sent::Accepted { .. },
                ..
            } = progress
            {
                accepted.push(message.to.clone());
            }
        })
        .await
        .unwrap();
    (summary, accepted)
}

#[tokio::test]
async fn a_clickatell_csv_goes_in_bulk_batches_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, rows) = write_csv(&dir, 5);
    let peer = Peer::succeeding().await;
    let mut sender = sender(Route::Clickatell, &peer, TIMEOUT);
    sender.bulk_size = 2;
    let (summary, accepted) = run(&mut sender, &rows, &smsgate_send::results::default_path(&csv)).await;
    assert_eq!(
        summary,
        Summary {
            accepted: 5,
            ..Summary::default()
        }
    );
    let batches: Vec<(String, Vec<String>)> = peer
        .requests()
        .iter()
        .map(|r| (r.path.clone(), r.recipients()))
        .collect();
    let to = |i: usize| format!("+2782000000{i}");
    let bulk = "/messages/rest/bulk".to_string();
    assert_eq!(
        batches,
        [
            (bulk.clone(), vec![to(1), to(2)]),
            (bulk.clone(), vec![to(3), to(4)]),
            (bulk, vec![to(5)])
        ]
    );
    assert_eq!(accepted, (1..=5).map(to).collect::<Vec<_>>());
    let results = Results::open(&smsgate_send::results::default_path(&csv)).unwrap();
    assert!(rows.iter().all(|row| results.state(&row.key) == Some(State::Accepted)));
}

#[tokio::test]
async fn a_paced_run_sends_one_request_at_a_time_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, rows) = write_csv(&dir, 4);
    let peer = Peer::succeeding().await;
    let mut sender = sender(Route::Clearline, &peer, TIMEOUT);
    sender.pacer = Some(Pacer::per_second(20.0).unwrap());
    let (summary, _) = run(&mut sender, &rows, &smsgate_send::results::default_path(&csv)).await;
    assert_eq!(summary.accepted, 4);
    let order: Vec<String> = peer.requests().iter().flat_map(|r| r.recipients()).collect();
    assert_eq!(order, rows.iter().map(|r| r.message.to.clone()).collect::<Vec<_>>());
    assert_eq!(peer.most_in_flight(), 1);
}

#[tokio::test]
async fn an_interrupted_run_resumes_without_sending_any_row_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, rows) = write_csv(&dir, 6);
    let results = smsgate_send::results::default_path(&csv);
    // Row 3 never gets an answer in time: the run is interrupted there.
    // Row 5 fails for good (503, one attempt).
    let peer = Peer::start(|seen, _| match seen.recipients()[0].as_str() {
        "+27820000003" => Reply::success(seen).after(Duration::from_secs(60)),
        "+27820000005" => Reply::json(503, json!({})),
        _ => Reply::success(seen),
    })
    .await;
    let mut first = sender(Route::Clearline, &peer, TIMEOUT);
    tokio::select! {
        _ = run(&mut first, &rows, &results) => panic!("the run should hang on row 3"),
        _ = peer.wait_for_requests(3) => {}
    }
    drop(first);

    let healthy = Peer::start(|seen, _| match seen.recipients()[0].as_str() {
        "+27820000005" => Reply::json(503, json!({})),
        _ => Reply::success(seen),
    })
    .await;
    let mut second = sender(Route::Clearline, &healthy, TIMEOUT);
    second.retry.max_attempts = 1;
    let (summary, accepted) = run(&mut second, &rows, &results).await;
    assert_eq!(
        summary,
        Summary {
            accepted: 2,
            failed: 1,
            skipped: 2,
            held_back: 1,
            rejected: 0
        }
    );
    assert_eq!(accepted, ["+27820000004", "+27820000006"]);

    // A third run sends only the failed row; the unclear row 3 waits for
    // --resend-uncertain.
    let mut third = sender(Route::Clearline, &healthy, TIMEOUT);
    third.retry.max_attempts = 1;
    let (summary, _) = run(&mut third, &rows, &results).await;
    assert_eq!((summary.skipped, summary.held_back, summary.failed), (4, 1, 1));
    let mut counts = peer.per_recipient();
    for (to, n) in healthy.per_recipient() {
        *counts.entry(to).or_default() += n;
    }
    for i in [1, 2, 3, 4, 6] {
        assert_eq!(
            counts[&format!("+2782000000{i}")],
            1,
            "row {i} sent {} times",
            counts[&format!("+2782000000{i}")]
        );
    }
    assert_eq!(counts["+27820000005"], 2, "the failed row is retried by each run");

    let mut resend = sender(Route::Clearline, &healthy, TIMEOUT);
    resend.resend_uncertain = true;
    resend.retry.max_attempts = 1;
    let (_, accepted) = run(&mut resend, &rows, &results).await;
    assert_eq!(accepted, ["+27820000003"]);
}

#[tokio::test]
async fn an_accepted_message_starts_its_timeline_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn smsgate_store::Store> =
        smsgate_store::open(&format!("sqlite:{}", dir.path().join("s.db").display()))
            .await
            .unwrap();
    let peer = Peer::succeeding().await;
    let mut sender = sender(Route::Clickatell, &peer, TIMEOUT);
    sender.store = Some(store.clone());
    let mut outgoing = message("+27820000001");
    outgoing.client_message_id = Some("order-17".into());
    sender.send_one(&outgoing, &mut |_| {}).await.unwrap();
    let view = store
        .message(Provider::Clickatell, "id-27820000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.status, Status::Accepted);
    assert_eq!(view.to.as_deref(), Some("+27820000001"));
    assert_eq!(view.client_message_id.as_deref(), Some("order-17"));
    assert_eq!(view.events[0].raw_status.as_deref(), Some("submitted"));
}

#[tokio::test]
async fn a_re_run_records_rows_accepted_while_there_was_no_store_without_sending_them() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, rows) = write_csv(&dir, 2);
    let results = smsgate_send::results::default_path(&csv);
    let peer = Peer::succeeding().await;
    run(&mut sender(Route::Clickatell, &peer, TIMEOUT), &rows, &results).await;
    let store: Arc<dyn smsgate_store::Store> =
        smsgate_store::open(&format!("sqlite:{}", dir.path().join("s.db").display()))
            .await
            .unwrap();
    let mut with_store = sender(Route::Clickatell, &peer, TIMEOUT);
    with_store.store = Some(store.clone());
    let (summary, _) = run(&mut with_store, &rows, &results).await;
    assert_eq!(summary.skipped, 2);
    assert_eq!(peer.requests().len(), 1, "one bulk request, in the first run only");
    for row in &rows {
        let id = format!("id-{}", row.message.to.trim_start_matches('+'));
        let view = store.message(Provider::Clickatell, &id).await.unwrap().unwrap();
        assert_eq!((view.status, view.events.len()), (Status::Accepted, 1), "{id}");
    }
}
