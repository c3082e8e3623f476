//! SIGTERM under load: `serve` stops accepting, answers what is in flight
//! after its commit (the batch being written included), and exits 0 within
//! `--shutdown-timeout`. Every callback it acknowledged is stored; the ones
//! it did not answer go to the next start, as providers retry them, and are
//! stored once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use smsgate_test_support::load::{self, Load, Outcome, Target};
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::serve::{Served, serve_with_test_secrets};

use crate::check::{bin, retry_until_acknowledged, store_holds_every_acknowledged_event};

/// Messages, two callbacks each, and concurrent senders: enough that
/// batches are being written when the signal comes.
const MESSAGES: usize = 400;
const WORKERS: usize = 16;
/// Acknowledgements before the signal.
const BEFORE_SIGNAL: usize = 200;
/// The drain's bound, and how long the test waits for the exit.
const SHUTDOWN_TIMEOUT_S: u64 = 20;
const EXIT_WAIT: Duration = Duration::from_secs(40);
const PROGRESS: Duration = Duration::from_secs(120);

async fn start(dir: &std::path::Path, database: &str) -> Served {
    let mut command = serve_with_test_secrets(bin(), dir, database, &[]);
    command.args(["--shutdown-timeout", &SHUTDOWN_TIMEOUT_S.to_string()]);
    Served::start_async(command).await
}

async fn drain_under_load(scenario: &str, dir: &std::path::Path, database: &str) {
    let callbacks = Arc::new(load::callbacks("drain", MESSAGES));
    let mut served = start(dir, database).await;
    let target = Target::new(&served.callback_base);
    let load = Load::start(&target, callbacks.clone(), (0..callbacks.len()).collect(), WORKERS);
    assert!(
        load.wait_for_acknowledged(BEFORE_SIGNAL, PROGRESS).await,
        "{scenario}: only {} acknowledged before the signal",
        load.acknowledged()
    );
    served.signal("TERM");
    let signalled = Instant::now();
    let (status, served) = tokio::task::spawn_blocking(move || (served.wait_exit(EXIT_WAIT), served))
        .await
        .unwrap();
    let took = signalled.elapsed();
    let mut ledger = load.stop().await;
    let (_, log) = served.stop();
    assert!(status.success(), "{scenario}: exit {status:?}; log:\n{log}");
    assert!(
        took < Duration::from_secs(SHUTDOWN_TIMEOUT_S),
        "{scenario}: the drain took {took:?}"
    );
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{scenario}: the drain is logged:\n{log}"
    );
    for (index, outcome) in &ledger.attempts {
        assert!(
            matches!(outcome, Outcome::Acknowledged | Outcome::NoAnswer(_)),
            "{scenario}: callback {index} got {outcome:?} during the drain"
        );
    }
    eprintln!("{scenario}: drained in {took:?}; {:?}", ledger.tally());

    // What got no answer goes to the next start, as providers retry.
    let served = start(dir, database).await;
    target.set(&served.callback_base);
    retry_until_acknowledged(scenario, &target, &callbacks, &mut ledger).await;
    served.kill9();
    let figures = store_holds_every_acknowledged_event(scenario, database, &callbacks, &ledger).await;
    assert_eq!(figures.stored, figures.sent, "{scenario}: everything sent, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_drains_and_exits_0_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    drain_under_load("drain, SQLite", dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_drains_and_exits_0_on_postgres() {
    let Some(url) = postgres_url("the reliability suite on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    drain_under_load("drain, PostgreSQL", dir.path(), &schema.database_url(&url)).await;
}
