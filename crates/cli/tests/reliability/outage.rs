//! The storage goes away mid-load and comes back: PostgreSQL unreachable
//! (a proxy in front of it drops every connection and refuses new ones), and
//! SQLite's disk full. While it is gone every callback gets 2xx only if it
//! was stored, else 503 with `Retry-After`; nothing else. Once it is back,
//! new callbacks are stored and so are the providers' retries, once.
//!
//! Why a full disk for SQLite: the tests run as root, so taking write
//! permission away (chmod) stops nothing, and a read-only remount fails
//! while the database's files are open for writing. A full disk is what
//! really happens to SQLite in production. The receiver runs in a mount
//! namespace of its own (`unshare --mount`) with its database on a small
//! tmpfs; the test fills that tmpfs through `/proc/PID/root` and frees it
//! again. The namespace, and with it the tmpfs, goes away with the process.
//! Where mount namespaces are not permitted the SQLite case says it is
//! skipped.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use smsgate_test_support::load::{self, Callback, Ledger, Load, Outcome, Target};
use smsgate_test_support::postgres::{PgSchema, postgres_url, server_address, url_through};
use smsgate_test_support::proxy::FaultProxy;
use smsgate_test_support::serve::{Served, serve_with_test_secrets};

use crate::check::{bin, retry_until_acknowledged, store_holds_every_acknowledged_event};

/// Callbacks per batch, and concurrent senders.
const BATCH: usize = 40;
const WORKERS: usize = 4;
/// Batches sent while the storage is gone, at most, until enough 503s.
const MOST_BATCHES: usize = 100;
/// 503s to see before the storage comes back.
const REFUSALS: usize = 20;

/// A way for the storage to go away and come back.
enum Fault {
    PostgresUnreachable(FaultProxy),
    /// The filler file that takes the tmpfs's last free byte.
    DiskFull(PathBuf),
}

impl Fault {
    async fn begin(&self) {
        match self {
            Fault::PostgresUnreachable(proxy) => proxy.stop().await,
            Fault::DiskFull(filler) => fill(filler),
        }
    }

    async fn end(&self) {
        match self {
            Fault::PostgresUnreachable(proxy) => proxy.resume(),
            Fault::DiskFull(filler) => std::fs::remove_file(filler).expect("the filler is removed"),
        }
    }
}

/// Writes `path` until the filesystem has no space left.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("the filler file");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) if err.raw_os_error() == Some(28) => break, // ENOSPC
            Err(err) => panic!("filling {}: {err}", path.display()),
        }
    }
    let _ = file.sync_all();
}

/// Load before, during and after `fault`; the callbacks and what each
/// attempt got, for the store to be checked against.
async fn outage_and_recovery(scenario: &str, served: &Served, fault: Fault) -> (Arc<Vec<Callback>>, Ledger) {
    let callbacks = Arc::new(load::callbacks("outage", BATCH * (MOST_BATCHES + 4)));
    let target = Target::new(&served.callback_base);
    let mut next = 0;
    let mut batch = || {
        let indexes: Vec<usize> = (next..next + BATCH).collect();
        next += BATCH;
        indexes
    };

    // Before: everything acknowledged.
    let mut ledger = Load::start(&target, callbacks.clone(), batch(), WORKERS).finish().await;
    assert!(
        ledger.unacknowledged().is_empty(),
        "{scenario}: before the outage: {:?}",
        ledger.tally()
    );

    // During: 2xx (only if stored, checked at the end) or 503 + Retry-After.
    fault.begin().await;
    let mut during = Ledger::default();
    for _ in 0..MOST_BATCHES {
        during.extend(Load::start(&target, callbacks.clone(), batch(), WORKERS).finish().await);
        if during.tally().get("503").copied().unwrap_or(0) >= REFUSALS {
            break;
        }
    }
    let refused = during.tally().get("503").copied().unwrap_or(0);
    assert!(
        refused >= REFUSALS,
        "{scenario}: the outage refused only {refused}: {:?}",
        during.tally()
    );
    for (index, outcome) in &during.attempts {
        match outcome {
            Outcome::Acknowledged => {}
            Outcome::Unavailable { retry_after } => {
                let seconds = retry_after.as_deref().and_then(|s| s.parse::<u64>().ok());
                assert!(
                    seconds.is_some_and(|s| (1..=3600).contains(&s)),
                    "{scenario}: 503 for callback {index} without a Retry-After in seconds: {retry_after:?}"
                );
            }
            other => panic!("{scenario}: callback {index} got neither 2xx nor 503: {other:?}"),
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "{scenario}: while the storage was gone: {:?}",
        during.tally()
    );
    ledger.extend(during);

    // After: the retries, and new callbacks, all stored.
    fault.end().await;
    retry_until_acknowledged(scenario, &target, &callbacks, &mut ledger).await;
    let fresh = Load::start(&target, callbacks.clone(), batch(), WORKERS).finish().await;
    assert!(
        fresh.unacknowledged().is_empty(),
        "{scenario}: after the outage: {:?}",
        fresh.tally()
    );
    ledger.extend(fresh);
    (callbacks, ledger)
}

/// The end of every outage: each callback stored once, lost = 0.
async fn check(scenario: &str, database: &str, callbacks: &[Callback], ledger: &Ledger) {
    let figures = store_holds_every_acknowledged_event(scenario, database, callbacks, ledger).await;
    assert_eq!(
        figures.stored, figures.sent,
        "{scenario}: every callback sent is stored once in the end"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unreachable_mid_load_gets_only_503s_and_everything_is_stored_after() {
    let Some(url) = postgres_url("the reliability suite on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let proxy = FaultProxy::start(server_address(&url)).await;
    // Fail fast while it is gone: a connect attempt gives up after 1 s.
    let through_proxy = format!("{}?connect_timeout=1", url_through(&url, proxy.port));
    let database = schema.database_url(&through_proxy);
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start_async(serve_with_test_secrets(bin(), dir.path(), &database, &[])).await;
    let scenario = "outage, PostgreSQL unreachable";
    let (callbacks, ledger) = outage_and_recovery(scenario, &served, Fault::PostgresUnreachable(proxy)).await;
    served.kill9();
    check(scenario, &schema.database_url(&url), &callbacks, &ledger).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_mid_load_gets_only_503s_and_everything_is_stored_after() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("disk");
    std::fs::create_dir(&mount).unwrap();
    let permitted = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o size=1m smsgate-probe "$0""#)
        .arg(&mount)
        .status()
        .is_ok_and(|status| status.success());
    if !permitted {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: SQLite's disk-full outage (needs `unshare --mount` and tmpfs mounts, i.e. root)"
        );
        return;
    }
    let database = format!("sqlite:{}", mount.join("smsgate.db").display());
    let script = r#"mount -t tmpfs -o size=16m smsgate-test-disk "$0" && exec "$@""#;
    let mount_arg = mount.to_str().unwrap();
    let wrapper = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        mount_arg,
    ];
    let served = Served::start_async(serve_with_test_secrets(bin(), dir.path(), &database, &wrapper)).await;
    // The tmpfs as the test sees it: through the receiver's own root.
    let inside = PathBuf::from(format!("/proc/{}/root", served.pid())).join(mount.strip_prefix("/").unwrap());
    let scenario = "outage, SQLite disk full";
    let (callbacks, ledger) = outage_and_recovery(scenario, &served, Fault::DiskFull(inside.join("filler"))).await;
    // The tmpfs goes with the receiver's namespace: copy the database out
    // first (SQLite itself cannot open it through /proc: it resolves the
    // link to `/`). No load runs, so the file and its log are consistent,
    // and reading the copy without its shared memory is a crash recovery.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for file in ["smsgate.db", "smsgate.db-wal"] {
        if inside.join(file).exists() {
            std::fs::copy(inside.join(file), copy.join(file)).expect("the database file copies");
        }
    }
    served.kill9();
    check(
        scenario,
        &format!("sqlite:{}", copy.join("smsgate.db").display()),
        &callbacks,
        &ledger,
    )
    .await;
}

/// `/readyz` follows the store: 503 while PostgreSQL is unreachable and 200
/// once it is back, while `/healthz` (the process lives) stays 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_while_postgres_is_unreachable_and_healthz_stays_200() {
    let Some(url) = postgres_url("the reliability suite on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let proxy = FaultProxy::start(server_address(&url)).await;
    let through_proxy = format!("{}?connect_timeout=1", url_through(&url, proxy.port));
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start_async(serve_with_test_secrets(
        bin(),
        dir.path(),
        &schema.database_url(&through_proxy),
        &[],
    ))
    .await;
    let http = load::http_client();
    let status = |path: &'static str| {
        let (http, url) = (http.clone(), format!("{}{path}", served.api_base));
        async move { http.get(url).send().await.map(|reply| reply.status().as_u16()).ok() }
    };
    let until = |path: &'static str, wanted: u16| async move {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        while status(path).await != Some(wanted) {
            assert!(tokio::time::Instant::now() < deadline, "{path} never answered {wanted}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    assert_eq!(status("/readyz").await, Some(200));
    proxy.stop().await;
    until("/readyz", 503).await;
    assert_eq!(status("/healthz").await, Some(200), "the process still lives");
    proxy.resume();
    until("/readyz", 200).await;
    served.kill9();
}
