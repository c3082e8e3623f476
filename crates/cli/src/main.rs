//! `smsgate`: run the receiver and look at what it stored (`serve`,
//! `messages`, `stats`, `events`, `exports`, `quarantine`), send SMS through a provider (`send`),
//! and stand in for the providers during development and tests (`simulate`).
//!
//! Each subcommand is a module; settings come from flags, then `SMSGATE_*`
//! environment variables, then an optional TOML file (`--config`), then
//! defaults ([`settings`]). Reading commands work on the store directly
//! (`--database`) or on a running receiver's query API (`--server`), through
//! one [`source::Source`].

mod events;
mod exports;
mod messages;
mod out;
mod outbound;
mod quarantine;
mod send;
mod serve;
mod settings;
mod simulate;
mod source;
mod stats;
mod table;
mod when;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The receiver allocates per request (body, parse tree, events, response);
/// glibc's allocator took about a sixth of its CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "smsgate",
    version,
    about = "Send SMS through providers, receive their callbacks without losing or double-counting one, \
             and simulate the providers for tests"
)]
struct Cli {
    /// A TOML file with defaults for any long option (e.g. `listen = "0.0.0.0:8080"`).
    #[arg(long, global = true, env = "SMSGATE_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// How log lines are written to stderr: `text` for people, `json` (one
    /// object a line) for log platforms.
    #[arg(
        long,
        global = true,
        env = "SMSGATE_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the receiver: provider callbacks and the query API.
    Serve(serve::Args),
    /// Look at outbound messages.
    #[command(subcommand)]
    Messages(messages::Command),
    /// Delivery per provider over a window: counts, rate, latency percentiles, per bucket.
    Stats(stats::Args),
    /// Look at messages sent through smsgate (POST /v1/outbound).
    #[command(subcommand)]
    Outbound(outbound::Command),
    /// Look at the event feed.
    #[command(subcommand)]
    Events(events::Command),
    /// Look at the exports (events pushed to webhooks and NATS), their dead letters, and replay a time range.
    #[command(subcommand)]
    Exports(exports::Command),
    /// Look at quarantined callbacks, and replay them with the current parsers.
    #[command(subcommand)]
    Quarantine(quarantine::Command),
    /// Send SMS through a provider: one message, or a CSV of many.
    Send(send::Args),
    /// Stand in for the providers: their send APIs, then status callbacks to a receiver.
    Simulate(simulate::Args),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Logs go to stderr (stdout carries command output); `RUST_LOG` filters
/// them. Both formats carry the same fields; no field ever holds a secret.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,dropshot=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result = runtime.block_on(async {
        let file = settings::File::load(cli.config.as_deref())?;
        match cli.command {
            Command::Serve(args) => serve::run(args, &file).await,
            Command::Messages(command) => messages::run(command, &file).await,
            Command::Stats(args) => stats::run(args, &file).await,
            Command::Events(command) => events::run(command, &file).await,
            Command::Exports(command) => exports::run(command, &file).await,
            Command::Outbound(command) => outbound::run(command, &file).await,
            Command::Quarantine(command) => quarantine::run(command, &file).await,
            Command::Send(args) => send::run(args).await,
            Command::Simulate(args) => simulate::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
