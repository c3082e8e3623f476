//! `smsgate serve`: open the store, settle the secrets, start the receiver,
//! print the URLs to configure at each provider once, run until Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use smsgate_callbacks::Route;
use smsgate_receiver::secrets::{Secret, TOKEN_PARAM};
use smsgate_receiver::{Config, Secrets};
use smsgate_store::{CommitOptions, Store};

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
    /// Group commit: longest wait, in microseconds, for more callbacks to join a transaction [default: 2000]
    #[arg(long, env = "SMSGATE_COMMIT_WAIT_US", value_name = "MICROSECONDS")]
    commit_wait_us: Option<u64>,
    /// The base URL providers reach the callback address by (e.g.
    /// https://sms.example.com), for the printed callback URLs [default: http://LISTEN]
    #[arg(long, env = "SMSGATE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
}

/// Store keys of generated secrets, so they survive restarts.
const CALLBACK_SECRET_KEY: &str = "callback_token";
const API_TOKEN_KEY: &str = "api_token";

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
    let commit_wait = args
        .commit_wait_us
        .or(file.commit_wait_us)
        .map_or(CommitOptions::DEFAULT_COMMIT_WAIT, Duration::from_micros);
    let options = CommitOptions {
        commit_batch,
        commit_wait,
    };
    let store = smsgate_store::open_with(&database, options)
        .await
        .with_context(|| format!("cannot open the store {database}"))?;
    let secrets = Secrets {
        callback: secret(store.as_ref(), "SMSGATE_CALLBACK_TOKEN", CALLBACK_SECRET_KEY).await?,
        api: secret(store.as_ref(), "SMSGATE_API_TOKEN", API_TOKEN_KEY).await?,
    };
    let config = Config {
        listen,
        api_listen,
        body_limit,
        body_timeout,
    };
    let running = smsgate_receiver::start(&config, Arc::clone(&store), secrets.clone()).await?;
    let public = args
        .public_url
        .or(file.public_url.clone())
        .unwrap_or_else(|| format!("http://{}", running.callback_addr()));
    print_start_up(&public, running.api_addr(), &database, &secrets);
    tracing::info!(callbacks = %running.callback_addr(), api = %running.api_addr(), %database, "receiver started");
    let interrupted = tokio::select! {
        result = tokio::signal::ctrl_c() => result.map(|()| true).context("cannot listen for Ctrl-C")?,
        result = running.wait() => result.map(|()| false).map_err(anyhow::Error::msg)?,
    };
    if interrupted {
        tracing::info!("shutting down: finishing requests in flight");
        running.close().await.map_err(anyhow::Error::msg)?;
    }
    Ok(())
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
fn print_start_up(public: &str, api: SocketAddr, database: &str, secrets: &Secrets) {
    let public = public.trim_end_matches('/');
    let token = secrets.callback.expose();
    println!("smsgate receiver, storing in {database}");
    println!();
    println!("Callback URLs to configure at each provider (the token is the callback secret):");
    for (name, route) in [
        ("Clickatell SMS status (GET or POST)", Route::ClickatellSmsStatus),
        ("Clickatell SMS reply (GET or POST)", Route::ClickatellSmsReply),
        ("Clickatell One API status", Route::ClickatellOneApiStatus),
        ("Clickatell One API reply", Route::ClickatellOneApiReply),
        ("SmartHive callback_url", Route::SmarthiveStatus),
        ("ClearLine callbackUrl", Route::ClearlineStatus),
    ] {
        println!("  {name:<38} {public}{}?{TOKEN_PARAM}={token}", route.path());
    }
    println!();
    println!(
        "Query API: http://{api}/v1  (Authorization: Bearer {})",
        secrets.api.expose()
    );
    println!("Metrics:   http://{api}/metrics");
}
