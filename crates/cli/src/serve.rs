//! `smsgate serve`: open the store, settle the secrets, start the receiver,
//! print the URLs to configure at each provider once, then run until Ctrl-C
//! or SIGTERM, and drain: no new requests, every request in flight answered
//! after its commit, within `--shutdown-timeout`. SIGHUP reloads the TLS
//! certificate. With routes configured, the dispatcher runs beside the
//! receiver and sends what `POST /v1/outbound` stored; with `[[exports]]`,
//! the exports push every stored event to their webhooks and NATS streams.
//! The console's pages (`/ui/`) are served on the query API's listener.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use smsgate_callbacks::Route;
use smsgate_dispatch::{DispatchOptions, Dispatcher, SendingConfig};
use smsgate_export::{Exports, ExportsConfig, RunningExports};
use smsgate_receiver::secrets::{Secret, TOKEN_PARAM};
use smsgate_receiver::{Config, Secrets, Sending, TlsFiles};
use smsgate_store::{CommitOptions, Store};

use crate::out::outln;
use crate::settings::{self, File};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address for provider callbacks (and the query API unless --api-listen) [default: 127.0.0.1:8080]
    #[arg(long, env = "SMSGATE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// A separate address for the query API and /metrics, to keep them private.
    #[arg(long, env = "SMSGATE_API_LISTEN", value_name = "ADDR")]
    api_listen: Option<String>,
    /// Where to store callbacks: sqlite:PATH or postgres://USER@HOST/DB [default: sqlite:smsgate.db]
    #[arg(long, env = "SMSGATE_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// Largest callback body accepted, in bytes [default: 1048576]
    #[arg(long, env = "SMSGATE_BODY_LIMIT", value_name = "BYTES")]
    body_limit: Option<usize>,
    /// Seconds a callback body may take to arrive in full, after its headers (408 after) [default: 30]
    #[arg(long, env = "SMSGATE_BODY_TIMEOUT", value_name = "SECONDS")]
    body_timeout: Option<u64>,
    /// Group commit: most callbacks committed in one transaction (one flush to disk) [default: 64]
    #[arg(long, env = "SMSGATE_COMMIT_BATCH", value_name = "N")]
    commit_batch: Option<usize>,
    /// Group commit: longest wait, in microseconds, for more callbacks to join a transaction [default: 0 on SQLite, 2000 on PostgreSQL]
    #[arg(long, env = "SMSGATE_COMMIT_WAIT_US", value_name = "MICROSECONDS")]
    commit_wait_us: Option<u64>,
    /// The base URL providers reach the callback address by (e.g.
    /// https://sms.example.com), for the printed callback URLs [default: http://LISTEN]
    #[arg(long, env = "SMSGATE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM; with --tls-key). Re-read on SIGHUP.
    #[arg(long, env = "SMSGATE_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM). Re-read on SIGHUP.
    #[arg(long, env = "SMSGATE_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Providers and routes for sending through smsgate (`POST /v1/outbound`),
    /// as `[providers.NAME]` and `[[routes]]` tables in this TOML file,
    /// instead of those of --config
    #[arg(long, env = "SMSGATE_ROUTES", value_name = "FILE")]
    routes: Option<PathBuf>,
    /// On SIGTERM or Ctrl-C, how long requests in flight may take to finish before the process exits anyway [default: 30]
    #[arg(long, env = "SMSGATE_SHUTDOWN_TIMEOUT", value_name = "SECONDS")]
    shutdown_timeout: Option<u64>,
}

/// How long a drain may take unless `--shutdown-timeout` says otherwise.
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Store keys of generated secrets, so they survive restarts.
const CALLBACK_SECRET_KEY: &str = "callback_token";
const API_TOKEN_KEY: &str = "api_token";
/// The console's session-signing secret: generated once, never printed.
const CONSOLE_SECRET_KEY: &str = "console_session_secret";

pub async fn run(args: Args, file: &File) -> anyhow::Result<()> {
    let address = |name: &str, value: String| -> anyhow::Result<SocketAddr> {
        settings::parse(name, &value, "an IP address and port, e.g. 127.0.0.1:8080")
    };
    let listen = address(
        "--listen",
        args.listen
            .or(file.listen.clone())
            .unwrap_or(settings::DEFAULT_LISTEN.into()),
    )?;
    let api_listen = args
        .api_listen
        .or(file.api_listen.clone())
        .map(|a| address("--api-listen", a))
        .transpose()?;
    let database = args
        .database
        .or(file.database.clone())
        .unwrap_or(settings::DEFAULT_DATABASE.into());
    let body_limit = args
        .body_limit
        .or(file.body_limit)
        .unwrap_or(Config::DEFAULT_BODY_LIMIT);
    if body_limit == 0 {
        anyhow::bail!("invalid --body-limit 0: expected a number of bytes above 0 (default 1048576)");
    }
    let body_timeout = args
        .body_timeout
        .or(file.body_timeout)
        .map_or(Config::DEFAULT_BODY_TIMEOUT, Duration::from_secs);
    if body_timeout.is_zero() {
        anyhow::bail!(
            "invalid --body-timeout 0: expected a number of seconds above 0 (default {})",
            Config::DEFAULT_BODY_TIMEOUT.as_secs()
        );
    }
    let commit_batch = args
        .commit_batch
        .or(file.commit_batch)
        .unwrap_or(CommitOptions::DEFAULT_COMMIT_BATCH);
    if commit_batch == 0 {
        anyhow::bail!(
            "invalid --commit-batch 0: expected a number of callbacks above 0 (default {})",
            CommitOptions::DEFAULT_COMMIT_BATCH
        );
    }
    let commit_wait = args.commit_wait_us.or(file.commit_wait_us).map_or(
        CommitOptions::defaults_for(&database).commit_wait,
        Duration::from_micros,
    );
    let options = CommitOptions {
        commit_batch,
        commit_wait,
    };
    let store = smsgate_store::open_with(&database, options)
        .await
        .with_context(|| format!("cannot open the store {}", smsgate_store::display_url(&database)))?;
    let secrets = Secrets {
        callback: secret(store.as_ref(), "SMSGATE_CALLBACK_TOKEN", CALLBACK_SECRET_KEY).await?,
        api: secret(store.as_ref(), "SMSGATE_API_TOKEN", API_TOKEN_KEY).await?,
    };
    let tls = match (
        args.tls_cert.or(file.tls_cert.clone()),
        args.tls_key.or(file.tls_key.clone()),
    ) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => anyhow::bail!("--tls-cert and --tls-key go together: give both (PEM files) for HTTPS, or neither"),
    };
    let shutdown_timeout = args
        .shutdown_timeout
        .or(file.shutdown_timeout)
        .map_or(DEFAULT_SHUTDOWN_TIMEOUT, Duration::from_secs);
    let sending_file = args.routes.as_deref().or_else(|| {
        let configures_sending = file.providers.is_some() || file.routes.is_some();
        file.path.as_deref().filter(|_| configures_sending)
    });
    let sending = sending_config(sending_file)?;
    let console_secret = store
        .setting_or_insert(CONSOLE_SECRET_KEY, Secret::generate().expose())
        .await?;
    let exports = exports_config(file)?;
    let config = Config {
        listen,
        api_listen,
        body_limit,
        body_timeout,
        tls,
        sending: sending.clone(),
        console_secret: Some(Secret::new(console_secret)),
        exports: exports.clone(),
    };
    let running = smsgate_receiver::start(&config, Arc::clone(&store), secrets.clone()).await?;
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    let public = args
        .public_url
        .or(file.public_url.clone())
        .unwrap_or_else(|| format!("{scheme}://{}", running.callback_addr()));
    let owner = replica_owner();
    let dispatcher = match sending {
        Some(sending) => Some(start_dispatcher(&store, sending, &public, &secrets, &owner)?),
        None => None,
    };
    let exports = exports.map(|exports| start_exports(&store, &exports, &owner));
    let api_url = format!("{scheme}://{}", running.api_addr());
    let database = smsgate_store::display_url(&database);
    print_start_up(&public, &api_url, &database, &secrets);
    tracing::info!(callbacks = %running.callback_addr(), api = %running.api_addr(), %database, scheme, "receiver started");
    let mut signals = Signals::new()?;
    loop {
        tokio::select! {
            stop = stop_signal(&mut signals.terminate) => {
                tracing::info!(
                    signal = stop?,
                    timeout_s = shutdown_timeout.as_secs(),
                    "shutting down: accepting no new requests, answering those in flight after their commit"
                );
                break;
            }
            _ = signals.hangup.recv() => match running.reload_tls().await {
                Ok(()) => tracing::info!("SIGHUP: serving the TLS certificate read again"),
                Err(error) => tracing::warn!(%error, "SIGHUP: could not reload the TLS certificate; serving the one loaded before"),
            },
            stopped = running.wait() => return stopped.map_err(anyhow::Error::msg),
        }
    }
    tokio::select! {
        drained = tokio::time::timeout(shutdown_timeout, running.close()) => match drained {
            Ok(closed) => closed.map_err(anyhow::Error::msg)?,
            Err(_) => anyhow::bail!(
                "requests still in flight after the shutdown timeout of {} s; exiting without answering them \
                 (their providers retry)",
                shutdown_timeout.as_secs()
            ),
        },
        stop = stop_signal(&mut signals.terminate) => {
            tracing::warn!(signal = stop?, "second signal: exiting at once");
            std::process::exit(EXIT_ON_SECOND_SIGNAL);
        }
    }
    if let Some(dispatcher) = dispatcher {
        dispatcher.stop(shutdown_timeout).await;
    }
    if let Some(exports) = exports {
        exports.stop(shutdown_timeout).await;
    }
    // Every request has been answered, and each was answered only after its
    // commit was flushed: nothing of the store is left to write.
    drop(store);
    tracing::info!("stopped");
    Ok(())
}

/// The sending configuration of `path` (`--routes`, else `--config`), if
/// it has routes; a mistake in it stops the start with its line.
fn sending_config(path: Option<&std::path::Path>) -> anyhow::Result<Option<Sending>> {
    let Some(path) = path else { return Ok(None) };
    let config = SendingConfig::load(path, |name| std::env::var(name).ok())?;
    Ok(config.is_enabled().then(|| Sending::new(config)))
}

/// The `[[exports]]` of the `--config` file, if it has any; a mistake in
/// them stops the start with its line.
fn exports_config(file: &File) -> anyhow::Result<Option<Exports>> {
    let Some(path) = file.path.as_deref().filter(|_| file.exports.is_some()) else {
        return Ok(None);
    };
    let config = ExportsConfig::load(path, |name| std::env::var(name).ok())?;
    Ok((!config.exports.is_empty()).then(|| Exports::new(config)))
}

/// This process, as the leases of the dispatcher and the exports name it:
/// host, process id and start time, so that no two live processes share it.
fn replica_owner() -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "smsgate".into());
    format!("{host}-{}-{started}", std::process::id())
}

fn start_exports(store: &Arc<dyn Store>, exports: &Exports, owner: &str) -> RunningExports {
    for export in &exports.config().exports {
        tracing::info!(export = %export.name, kind = export.target.kind(), "exporting events");
    }
    exports.start(store, owner)
}

/// The dispatcher, running in the background until [`RunningDispatcher::stop`].
struct RunningDispatcher {
    stop: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningDispatcher {
    /// Stops claiming and waits, within `timeout`, for the messages in
    /// flight to be settled (one cut short stays `uncertain`: never sent twice).
    async fn stop(self, timeout: Duration) {
        self.stop.notify_one();
        if tokio::time::timeout(timeout, self.task).await.is_err() {
            tracing::warn!("outbound messages still in flight after the shutdown timeout; they stay uncertain");
        }
    }
}

fn start_dispatcher(
    store: &Arc<dyn Store>,
    sending: Sending,
    public: &str,
    secrets: &Secrets,
    owner: &str,
) -> anyhow::Result<RunningDispatcher> {
    let options = DispatchOptions {
        owner: owner.to_string(),
        public_url: public.to_string(),
        callback_secret: smsgate::ApiKey::new(secrets.callback.expose())
            .context("the callback secret cannot go in a callback URL")?,
        concurrency: DispatchOptions::DEFAULT_CONCURRENCY,
        poll: DispatchOptions::DEFAULT_POLL,
    };
    let routes: Vec<&str> = sending.config.routes.iter().map(|r| r.name.as_str()).collect();
    tracing::info!(routes = %routes.join(", "), "sending through /v1/outbound");
    let dispatcher =
        Dispatcher::new(Arc::clone(store), &sending, options).context("a provider's base_url cannot be used")?;
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = Arc::clone(&stop);
    let task = tokio::spawn(dispatcher.run(async move { stopped.notified().await }));
    Ok(RunningDispatcher { stop, task })
}

/// The exit status after a second signal cut the drain short (128 + SIGINT,
/// as shells report an interrupted process).
const EXIT_ON_SECOND_SIGNAL: i32 = 130;

/// The signals `serve` acts on: Ctrl-C and SIGTERM stop it (a second one
/// at once), SIGHUP reloads the TLS certificate.
struct Signals {
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            hangup: signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?,
        })
    }
}

/// The next Ctrl-C or SIGTERM, by name.
async fn stop_signal(terminate: &mut tokio::signal::unix::Signal) -> anyhow::Result<&'static str> {
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted.map(|()| "SIGINT").context("cannot listen for Ctrl-C"),
        _ = terminate.recv() => Ok("SIGTERM"),
    }
}

/// The secret from `env`, else the one generated on an earlier start, else a
/// new one, kept in the store.
async fn secret(store: &dyn Store, env: &str, key: &str) -> anyhow::Result<Secret> {
    if let Ok(value) = std::env::var(env) {
        if value.trim().is_empty() {
            anyhow::bail!("{env} is set but empty: unset it to have one generated, or set a secret");
        }
        return Ok(Secret::new(value));
    }
    let stored = store.setting_or_insert(key, Secret::generate().expose()).await?;
    Ok(Secret::new(stored))
}

/// Printed once, to stdout, never logged: the URLs to give each provider and
/// the query API's token.
fn print_start_up(public: &str, api_url: &str, database: &str, secrets: &Secrets) {
    let public = public.trim_end_matches('/');
    let token = secrets.callback.expose();
    outln!("smsgate receiver, storing in {database}");
    outln!();
    outln!("Callback URLs to configure at each provider (the token is the callback secret):");
    for (name, route) in [
        ("Clickatell SMS status (GET or POST)", Route::ClickatellSmsStatus),
        ("Clickatell SMS reply (GET or POST)", Route::ClickatellSmsReply),
        ("Clickatell One API status", Route::ClickatellOneApiStatus),
        ("Clickatell One API reply", Route::ClickatellOneApiReply),
        ("SmartHive callback_url", Route::SmarthiveStatus),
        ("ClearLine callbackUrl", Route::ClearlineStatus),
    ] {
        outln!("  {name:<38} {public}{}?{TOKEN_PARAM}={token}", route.path());
    }
    outln!();
    outln!(
        "Query API: {api_url}/v1  (Authorization: Bearer {})",
        secrets.api.expose()
    );
    outln!("Console:   {api_url}/ui/  (sign in with the query API's token)");
    outln!("Metrics:   {api_url}/metrics");
}
