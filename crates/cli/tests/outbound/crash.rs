//! `kill -9` while messages are being accepted and dispatched, restarted
//! on the same database, twice: every message answered 202 reaches the
//! provider exactly once, except those whose attempt was in flight at the
//! kill, which are `uncertain` and reach it at most once (the route holds
//! them). The senders repeat a request that got no answer with its
//! Idempotency-Key, as a careful client does.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, SETTLE, config, serve_sending, simulator};

const MESSAGES: usize = 500;
const SENDERS: usize = 4;
/// Kills, each after this many more 202s.
const ACKS_BETWEEN_KILLS: usize = 150;
const KILLS: usize = 2;

async fn run(dir: &Path, database: &str) {
    let callbacks = Relay::start(Answers::Forward).await;
    let provider = simulator(&callbacks.base, &[], &dir.join("provider.log")).await;
    let config = config(
        dir,
        &[("only", "clickatell", &provider.base)],
        "timeout_seconds = 2",
        "[[routes]]\nname = \"all\"\nproviders = [\"only\"]\n",
    );
    let start = || Served::start_async(serve_sending(dir, database, &config));
    let mut served = start().await;
    callbacks.point_at(&served.callback_base);
    let api = Arc::new(Mutex::new(Api::new(&served.api_base)));
    let next = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (api, next, acked) = (api.clone(), next.clone(), acked.clone());
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= MESSAGES {
                        return;
                    }
                    let body = json!({"to": format!("+2782{n:07}"), "text": "crash test"});
                    let key = format!("crash-{n}");
                    loop {
                        let current = api.lock().unwrap().clone();
                        match current.send(&body, Some(&key)).await {
                            Ok((202, message)) => {
                                acked.lock().unwrap().push(message["id"].as_str().unwrap().to_string());
                                break;
                            }
                            // Killed mid-request, or restarting: the same request again.
                            _ => tokio::time::sleep(Duration::from_millis(100)).await,
                        }
                    }
                }
            })
        })
        .collect();
    for kill in 1..=KILLS {
        let deadline = Instant::now() + SETTLE;
        while acked.lock().unwrap().len() < kill * ACKS_BETWEEN_KILLS {
            assert!(Instant::now() < deadline, "stalled before kill {kill}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        served.kill9();
        served = start().await;
        callbacks.point_at(&served.callback_base);
        *api.lock().unwrap() = Api::new(&served.api_base);
    }
    for sender in senders {
        sender.await.unwrap();
    }
    let mut ids = acked.lock().unwrap().clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), MESSAGES, "one message per idempotency key");
    let api = api.lock().unwrap().clone();
    // Final, or unknown for good (an interrupted attempt the provider never got).
    let views = api
        .wait_for(&ids, "a final status", |v| {
            crate::harness::is_final(v) || v["status"] == "unknown"
        })
        .await;
    let counts = provider.accepted_per_recipient().await;
    let mut uncertain = 0;
    for view in &views {
        let to = view["to"].as_str().unwrap();
        let sent = counts.get(to).copied().unwrap_or(0);
        let interrupted = view["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["outcome"] == "uncertain");
        if interrupted {
            uncertain += 1;
            assert!(sent <= 1, "an uncertain message is never sent again: {view:#}");
        } else {
            assert_eq!(sent, 1, "sent exactly once: {view:#}");
        }
        if sent == 1 {
            assert!(crate::harness::is_final(view), "its callbacks link it: {view:#}");
        }
        assert!(
            view["attempts"].as_array().unwrap().len() <= 1,
            "one provider, never resubmitted: {view:#}"
        );
    }
    eprintln!("outbound crash: {MESSAGES} accepted, {uncertain} uncertain after {KILLS} kills");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_serve_while_it_sends_sends_nothing_twice_and_loses_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_serve_while_it_sends_sends_nothing_twice_and_loses_nothing_on_postgres() {
    let Some(url) = postgres_url("the outbound crash test on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url)).await;
}
