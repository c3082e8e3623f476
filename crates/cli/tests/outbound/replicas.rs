//! Two `smsgate serve` replicas on one PostgreSQL database share the
//! outbox: 1,000 messages sent to either, each submitted once.

use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, config, is_final, send_concurrently, serve_sending, simulator};

const MESSAGES: usize = 1000;
const SENDERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_submit_each_message_once() {
    let Some(url) = postgres_url("two replicas on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let database = schema.database_url(&url);
    let dir = tempfile::tempdir().unwrap();
    let callbacks = Relay::start(Answers::Forward).await;
    let provider = simulator(&callbacks.base, &[], &dir.path().join("provider.log")).await;
    let config = config(
        dir.path(),
        &[("only", "clickatell", &provider.base)],
        "",
        "[[routes]]\nname = \"all\"\nproviders = [\"only\"]\n",
    );
    let first = Served::start_async(serve_sending(dir.path(), &database, &config)).await;
    let second = Served::start_async(serve_sending(dir.path(), &database, &config)).await;
    callbacks.point_at(&first.callback_base);
    let apis = [Api::new(&first.api_base), Api::new(&second.api_base)];
    let ids = send_concurrently(&apis, MESSAGES, SENDERS, |_| "replicas".into()).await;
    let views = apis[0].wait_for(&ids, "a final status", is_final).await;
    let counts = provider.accepted_per_recipient().await;
    assert_eq!(counts.len(), MESSAGES, "every message reached the provider");
    assert!(
        counts.values().all(|&n| n == 1),
        "none twice: {:?}",
        counts.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert!(views.iter().all(|v| v["attempts"].as_array().unwrap().len() == 1));
}
