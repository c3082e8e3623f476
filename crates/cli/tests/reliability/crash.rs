//! `kill -9` under load: the receiver is killed while callbacks are in
//! flight, restarted on the same database, several times over. Every
//! callback it acknowledged must be stored; the ones it did not answer are
//! retried (as providers do) and stored once.

use std::sync::Arc;
use std::time::Duration;

use smsgate_test_support::load::{self, Load, Target};
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::{Served, serve_with_test_secrets};

use crate::check::{bin, retry_until_acknowledged, store_holds_every_acknowledged_event};

/// Messages per run, two callbacks each.
const MESSAGES: usize = 500;
/// Concurrent senders.
const WORKERS: usize = 8;
/// Kills per run, each after this many more acknowledgements.
const KILLS: usize = 3;
const ACKS_BETWEEN_KILLS: usize = 150;
/// Generous: a debug build on a busy machine.
const PROGRESS: Duration = Duration::from_secs(120);

async fn kill_restart_and_check(scenario: &str, dir: &std::path::Path, database: &str) {
    let callbacks = Arc::new(load::callbacks("crash", MESSAGES));
    let start = || Served::start_async(serve_with_test_secrets(bin(), dir, database, &[]));
    let mut served = start().await;
    let target = Target::new(&served.callback_base);
    let load = Load::start(&target, callbacks.clone(), (0..callbacks.len()).collect(), WORKERS);
    for kill in 1..=KILLS {
        assert!(
            load.wait_for_acknowledged(kill * ACKS_BETWEEN_KILLS, PROGRESS).await,
            "{scenario}: only {} acknowledged before kill {kill}",
            load.acknowledged()
        );
        served.kill9();
        served = start().await;
        target.set(&served.callback_base);
    }
    let mut ledger = load.finish().await;
    retry_until_acknowledged(scenario, &target, &callbacks, &mut ledger).await;
    // The last one dies too, before the store is read.
    served.kill9();
    let figures = store_holds_every_acknowledged_event(scenario, database, &callbacks, &ledger).await;
    assert_eq!(figures.sent, callbacks.len());
    assert_eq!(
        figures.stored,
        callbacks.len(),
        "{scenario}: after the retries, everything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_receiver_under_load_loses_no_acknowledged_callback_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    kill_restart_and_check("crash, SQLite", dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_receiver_under_load_loses_no_acknowledged_callback_on_postgres() {
    let Some(url) = postgres_url("the reliability suite on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    kill_restart_and_check("crash, PostgreSQL", dir.path(), &schema.database_url(&url)).await;
}
