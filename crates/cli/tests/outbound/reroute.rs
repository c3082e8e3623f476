//! Rerouting: on a route with `reroute_on = ["undelivered"]`, a message
//! the primary accepted but could not deliver is sent once more through
//! the backup and ends as the backup played it, both attempts and both
//! timelines kept; on a route without it, the same failure stays
//! `undelivered`.

use std::path::Path;

use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, attempts, config, is_final, serve_sending, simulator};

const PER_ROUTE: usize = 4;

async fn run(dir: &Path, database: &str) {
    let callbacks = Relay::start(Answers::Forward).await;
    // The primary cannot reach +2783...
    let primary = simulator(&callbacks.base, &["--undeliverable", "+2783"], &dir.join("primary.log")).await;
    let backup = simulator(&callbacks.base, &[], &dir.join("backup.log")).await;
    let config = config(
        dir,
        &[
            ("primary", "clickatell", &primary.base),
            ("backup", "clearline", &backup.base),
        ],
        "",
        "[[routes]]\nname = \"rerouted\"\nprefixes = [\"+27830\"]\nproviders = [\"primary\", \"backup\"]\n\
         reroute_on = [\"undelivered\", \"expired\"]\n\
         [[routes]]\nname = \"plain\"\nprefixes = [\"+27831\"]\nproviders = [\"primary\", \"backup\"]\n",
    );
    let served = Served::start_async(serve_sending(dir, database, &config)).await;
    callbacks.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);
    let mut rerouted = Vec::new();
    let mut plain = Vec::new();
    for n in 0..PER_ROUTE {
        rerouted.push(
            api.send_ok(&format!("+27830{n:06}"), "reroute me").await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        plain.push(
            api.send_ok(&format!("+27831{n:06}"), "leave me").await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let views = api
        .wait_for(&rerouted, "a final status through the backup", |v| {
            is_final(v) && v["attempts"].as_array().unwrap().len() == 2
        })
        .await;
    let played = backup.accepted().await;
    for view in &views {
        assert_eq!(attempts(view), ["primary:accepted", "backup:accepted"], "{view:#}");
        let outcome = &played.iter().find(|m| m["to"] == view["to"]).unwrap()["outcome"];
        assert_eq!(&view["status"], outcome, "the status follows the new attempt: {view:#}");
        let events = view["events"].as_array().unwrap();
        assert!(
            events
                .iter()
                .any(|e| e["provider"] == "primary" && e["status"] == "undelivered"),
            "the old timeline stays: {view:#}"
        );
        assert!(events.iter().any(|e| e["provider"] == "backup"), "{view:#}");
    }
    let views = api.wait_for(&plain, "a final status", is_final).await;
    for view in &views {
        assert_eq!(
            (view["status"].as_str(), attempts(view)),
            (Some("undelivered"), vec!["primary:accepted".to_string()])
        );
    }
    let at_primary = primary.accepted_per_recipient().await;
    assert_eq!(at_primary.len(), 2 * PER_ROUTE);
    assert!(at_primary.values().all(|&n| n == 1));
    let at_backup = backup.accepted_per_recipient().await;
    assert_eq!(
        at_backup.len(),
        PER_ROUTE,
        "only the rerouted route went to the backup: {at_backup:?}"
    );
    assert!(
        at_backup.iter().all(|(to, &n)| to.starts_with("+27830") && n == 1),
        "once each: {at_backup:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_sent_once_more_through_the_next_provider_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_sent_once_more_through_the_next_provider_on_postgres() {
    let Some(url) = postgres_url("rerouting on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url)).await;
}
