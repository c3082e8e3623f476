//! `smsgate simulate`: the provider simulator (crates/simulator) on one
//! address, calling back a receiver; prints where to send, the API key when
//! it generated one, and the seed that replays the run.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use anyhow::Context;
use smsgate::ApiKey;
use smsgate_receiver::secrets::Secret;
use smsgate_simulator::{Config, Knobs, RetryPolicy};

use crate::out::outln;
use crate::settings;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to serve the providers' send APIs on [default: 127.0.0.1:8090]
    #[arg(long, env = "SMSGATE_SIMULATOR_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// The receiver's base URL (e.g. http://127.0.0.1:8080): Clickatell status callbacks, inbound messages and
    /// SmartHive reports go there; ClearLine's go to each request's callbackUrl.
    #[arg(long, env = "SMSGATE_CALLBACK_BASE", value_name = "URL")]
    callback_base: String,
    /// The receiver's callback secret, sent as ?token= (the receiver's SMSGATE_CALLBACK_TOKEN).
    #[arg(long, env = "SMSGATE_CALLBACK_TOKEN", value_name = "T", hide_env_values = true)]
    callback_token: Option<String>,
    /// The API key send requests must carry [default: generated and printed once]
    #[arg(long, env = "SMSGATE_SIMULATOR_API_KEY", value_name = "K", hide_env_values = true)]
    api_key: Option<String>,
    /// Chance, from 0 to 1, that a status callback is sent a second time.
    #[arg(long, env = "SMSGATE_SIMULATOR_DUPLICATE_RATE", value_name = "F", default_value = "0", value_parser = rate)]
    duplicate_rate: f64,
    /// Send each message's status callbacks in a shuffled order.
    #[arg(long, env = "SMSGATE_SIMULATOR_REORDER")]
    reorder: bool,
    /// Longest pause before each callback, in milliseconds (each pause is drawn from 0 to N).
    #[arg(long, env = "SMSGATE_SIMULATOR_DELAY_MS", value_name = "N", default_value_t = 0)]
    delay_ms: u64,
    /// Chance, from 0 to 1, that a send request is answered 503 (Clickatell error 19, "please retry").
    #[arg(long, env = "SMSGATE_SIMULATOR_FAIL_RATE", value_name = "F", default_value = "0", value_parser = rate)]
    fail_rate: f64,
    /// At most N SMS segments a second, with a burst of one second's worth (a token
    /// bucket): above it, send requests get 429 (e.g. --throttle 20)
    #[arg(long, value_name = "N", value_parser = positive)]
    throttle: Option<f64>,
    /// Clickatell's statuses come N times sooner than at the provider: queued at 200 ms, at the gateway at 1 s,
    /// the handset's answer at 4 s (an error at 9 s), each divided by N (e.g. --speed 10 for tests)
    #[arg(long, env = "SMSGATE_SIMULATOR_SPEED", value_name = "N", default_value = "1", value_parser = speed)]
    speed: NonZeroU32,
    /// Messages to numbers with this prefix always end undelivered (repeatable, e.g. --undeliverable +2783)
    #[arg(long, value_name = "PREFIX")]
    undeliverable: Vec<String>,
    /// Seeds every random choice, so that a run replays [default: random, printed]
    #[arg(long, env = "SMSGATE_SIMULATOR_SEED", value_name = "N")]
    seed: Option<u64>,
    /// First pause before retrying an unacknowledged callback, in milliseconds; it doubles each time.
    #[arg(
        long,
        env = "SMSGATE_SIMULATOR_RETRY_BASE_MS",
        value_name = "N",
        default_value_t = 1000
    )]
    retry_base_ms: u64,
    /// Attempts per callback, the first included.
    #[arg(long, env = "SMSGATE_SIMULATOR_RETRY_ATTEMPTS", value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..))]
    retry_attempts: u32,
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8090";

/// A probability for clap: a number from 0 to 1.
fn rate(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("expected a fraction from 0 to 1 (e.g. 0.1), got `{value}`")),
    }
}

fn positive(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(format!("expected a number above 0 (e.g. 20), got `{value}`")),
    }
}

fn speed(value: &str) -> Result<NonZeroU32, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number from 1 up (e.g. 10), got `{value}`"))
}

fn key(name: &str, value: String) -> anyhow::Result<ApiKey> {
    ApiKey::new(value).with_context(|| format!("invalid {name}"))
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let listen: SocketAddr = settings::parse(
        "--listen",
        args.listen.as_deref().unwrap_or(DEFAULT_LISTEN),
        "an IP address and port, e.g. 127.0.0.1:8090",
    )?;
    let generated_key = args.api_key.is_none();
    let api_key = key(
        "--api-key",
        args.api_key.unwrap_or_else(|| Secret::generate().expose().to_string()),
    )?;
    let callback_token = args.callback_token.map(|t| key("--callback-token", t)).transpose()?;
    let seed = args.seed.unwrap_or_else(clock_seed);
    let config = Config {
        listen,
        callback_base: args.callback_base.clone(),
        callback_token,
        api_key: api_key.clone(),
        knobs: Knobs {
            duplicate_rate: args.duplicate_rate,
            reorder: args.reorder,
            delay_ms: args.delay_ms,
            fail_rate: args.fail_rate,
            undeliverable: args.undeliverable.clone(),
            throttle: args.throttle,
            speed: args.speed,
        },
        seed,
        retry: RetryPolicy {
            attempts: args.retry_attempts,
            base_delay: Duration::from_millis(args.retry_base_ms),
            ..RetryPolicy::default()
        },
    };
    let has_token = config.callback_token.is_some();
    let running = smsgate_simulator::start(config)?;
    let base = format!("http://{}", running.local_addr());
    outln!("smsgate simulator on {base}, calling back {}", args.callback_base);
    outln!("  Clickatell  POST {base}/messages, POST {base}/messages/rest/bulk (Authorization: KEY)");
    outln!("              GET  {base}/messages/http/send?apiKey=KEY&to=...&content=...");
    outln!("  ClearLine   POST {base}/MessageSender/sms (ApiKey: KEY)");
    outln!(
        "  Control     POST {base}/simulator/inbound, POST {base}/simulator/smarthive-report, GET {base}/simulator/messages"
    );
    if generated_key {
        outln!(
            "API key (generated; set SMSGATE_SIMULATOR_API_KEY to choose one): {}",
            api_key.expose()
        );
    }
    outln!("Seed: {seed} (pass --seed {seed} to replay this run)");
    if !has_token {
        eprintln!("warning: no --callback-token: the receiver will refuse Clickatell callbacks with 401");
    }
    tracing::info!(listen = %running.local_addr(), seed, "simulator started");
    let interrupted = tokio::select! {
        result = tokio::signal::ctrl_c() => result.map(|()| true).context("cannot listen for Ctrl-C")?,
        result = running.wait() => result.map(|()| false).map_err(anyhow::Error::msg)?,
    };
    if interrupted {
        running.close().await.map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// A seed for a run without `--seed`: the clock's nanoseconds (printed, so
/// that the run can be replayed).
fn clock_seed() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_nanos() as u64
}
