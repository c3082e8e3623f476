//! Two `smsgate serve` replicas on one PostgreSQL database with one webhook
//! export: one replica at a time runs it (while both live, no event is
//! delivered twice), and killing the one that runs it hands the export to
//! the other, which delivers the rest.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use smsgate_test_support::load::{Load, Target};
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::provider_peer::{Peer, Reply};
use smsgate_test_support::serve::Served;

use crate::harness::*;

/// Messages, two events each.
const MESSAGES: usize = 300;
/// Deliveries seen before the active replica is killed.
const BEFORE_KILL: usize = 200;
/// The most events a replica may have in flight when it dies (a page):
/// those may arrive twice.
const PAGE: usize = 500;

/// The process id in the owner of the export's lease (`HOST-PID-STARTED`).
async fn owner_pid(schema: &PgSchema) -> Option<u32> {
    let row = schema
        .client()
        .await
        .query_opt("SELECT owner FROM exports WHERE name = 'hook'", &[])
        .await
        .unwrap()?;
    let owner: Option<String> = row.get(0);
    owner?.rsplit('-').nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_runs_the_export_and_the_other_takes_it_over() {
    let Some(url) = postgres_url("the exports on two PostgreSQL replicas") else {
        return;
    };
    let _serial = serial().await;
    let schema = PgSchema::create(&url).await;
    let database = schema.database_url(&url);
    // Slow enough that the kill lands mid-export.
    let peer = Peer::start(|_, _| Reply::json(204, json!({})).after(Duration::from_millis(40))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &webhook_export("hook", &peer.url(), "lease_ms = 1500"));
    let mut replicas = vec![
        Served::start_async(serve(dir.path(), &database, &config)).await,
        Served::start_async(serve(dir.path(), &database, &config)).await,
    ];
    let mut active = None;
    wait_until(
        "gave the export to a replica",
        async || {
            active = owner_pid(&schema).await;
            active.is_some()
        },
        async || "no owner".to_string(),
    )
    .await;
    let active = replicas
        .iter()
        .position(|r| Some(r.pid()) == active)
        .expect("a replica of this test");
    let survivor = replicas.remove(1 - active);
    let doomed = replicas.remove(0);
    let callbacks = callbacks("replicas", MESSAGES);
    let load = Load::start(
        &Target::new(&survivor.callback_base),
        callbacks.clone(),
        (0..callbacks.len()).collect(),
        8,
    );
    wait_until(
        "delivered some events before the kill",
        async || peer.requests().len() >= BEFORE_KILL,
        async || format!("{} delivered", peer.requests().len()),
    )
    .await;
    doomed.kill9();
    let before_kill: Vec<String> = peer
        .requests()
        .iter()
        .map(|seen| seen.header("webhook-id").unwrap().to_string())
        .collect();
    let distinct: HashSet<&String> = before_kill.iter().collect();
    assert_eq!(
        distinct.len(),
        before_kill.len(),
        "an event delivered twice while both replicas ran"
    );
    assert!(load.finish().await.unacknowledged().is_empty());

    let survivor_pid = survivor.pid();
    wait_until(
        "handed the export to the other replica",
        async || owner_pid(&schema).await == Some(survivor_pid),
        async || format!("owner pid {:?}", owner_pid(&schema).await),
    )
    .await;
    let api = Api::new(&survivor.api_base);
    let feed = api.feed().await;
    assert_eq!(feed.len(), callbacks.len());
    let delivered = || {
        peer.requests()
            .iter()
            .map(|seen| seen.header("webhook-id").unwrap().to_string())
            .collect::<Vec<_>>()
    };
    wait_until(
        "delivered every event and stored the cursor past them",
        async || {
            delivered().into_iter().collect::<HashSet<_>>().len() == feed.len() && api.export("hook").await["lag"] == 0
        },
        async || {
            format!(
                "{} distinct of {}: {}",
                delivered().into_iter().collect::<HashSet<_>>().len(),
                feed.len(),
                api.export("hook").await
            )
        },
    )
    .await;
    let all = delivered();
    assert_eq!(
        all.iter().cloned().collect::<HashSet<_>>(),
        feed.iter().map(event_id).collect::<HashSet<_>>()
    );
    assert!(
        all.len() - feed.len() <= PAGE,
        "{} deliveries of {} events",
        all.len(),
        feed.len()
    );
    let hook = api.export("hook").await;
    assert_eq!(
        (hook["state"].as_str(), hook["lag"].as_i64()),
        (Some("running"), Some(0)),
        "{hook}"
    );
    assert!(peer.requests().iter().all(signature_valid));
}
