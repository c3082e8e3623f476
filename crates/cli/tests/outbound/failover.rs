//! Failover: the primary answers 503 to everything; every message goes
//! through the backup after the primary's retries, both attempts recorded,
//! and ends in the status the backup's simulator played.

use std::path::Path;

use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, attempts, config, is_final, serve_sending, simulator};

const MESSAGES: usize = 20;

async fn run(dir: &Path, database: &str) {
    // Serve needs the simulators' addresses in its config, so they start
    // first, calling back through a relay pointed at serve once it runs
    // (ClearLine's callbacks go to the URL each message carries).
    let relay = Relay::start(Answers::Forward).await;
    let primary = simulator(&relay.base, &["--fail-rate", "1"], &dir.join("primary.log")).await;
    let backup = simulator(&relay.base, &[], &dir.join("backup.log")).await;
    let config = config(
        dir,
        &[
            ("primary", "clickatell", &primary.base),
            ("backup", "clearline", &backup.base),
        ],
        // Every message tries the primary: its breaker never opens here (the
        // breaker's own test shows it opening).
        "max_attempts = 2\nretry_delay_ms = 20\nbreaker_failures = 1000",
        "[[routes]]\nname = \"default\"\nproviders = [\"primary\", \"backup\"]\n",
    );
    let served = Served::start_async(serve_sending(dir, database, &config)).await;
    relay.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);
    let mut ids = Vec::new();
    for n in 0..MESSAGES {
        let message = api.send_ok(&format!("+2782{n:07}"), "failover test").await;
        assert_eq!(message["status"], "queued", "{message}");
        ids.push(message["id"].as_str().unwrap().to_string());
    }
    let views = api.wait_for(&ids, "a final status", is_final).await;
    let played = backup.accepted().await;
    assert_eq!(played.len(), MESSAGES, "the backup took each message once");
    assert!(primary.accepted().await.is_empty(), "the primary took nothing");
    for view in &views {
        assert_eq!(
            attempts(view),
            ["primary:failed", "primary:failed", "backup:accepted"],
            "{view:#}"
        );
        assert!(
            view["attempts"][0]["error"].as_str().unwrap().contains("503"),
            "{view:#}"
        );
        let to = view["to"].as_str().unwrap();
        let outcome = played.iter().find(|m| m["to"] == to).unwrap()["outcome"].clone();
        assert_eq!(view["status"], outcome, "the backup's played outcome: {view:#}");
        let events = view["events"].as_array().unwrap();
        assert_eq!(
            events[0]["raw_status"], "submitted",
            "the timeline starts at the submission"
        );
        assert!(events.iter().all(|e| e["provider"] == "backup"), "{view:#}");
        assert!(events.len() >= 2, "the provider's callbacks linked: {view:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_primary_is_down_every_message_goes_through_the_backup_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_primary_is_down_every_message_goes_through_the_backup_on_postgres() {
    let Some(url) = postgres_url("failover on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url)).await;
}
