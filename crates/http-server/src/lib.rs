//! What smsgate's dropshot servers share, and nothing else: how a listener
//! is started ([`start_server`]) and the extractors that put a provider's
//! schema into the OpenAPI document while handing the handler the request
//! untouched ([`extractors`]).
//!
//! The receiver, its no-op benchmark baseline and the provider simulator all
//! run through [`start_server`], so that they log, limit and detach handlers
//! the same way and a benchmark compares like with like. This crate depends
//! on no other crate of the workspace: the API crates (`smsgate-receiver-api`,
//! `smsgate-simulator-api`) and the servers sit above it, and the simulator
//! does not have to link the receiver (and its databases) to start a server.

pub mod extractors;
mod tls;

use std::net::SocketAddr;

use dropshot::{
    ConfigDropshot, ConfigLogging, ConfigLoggingLevel, ConfigTls, HandlerTaskMode, HttpServer, ServerBuilder,
};
use slog::Drain;

pub use tls::{TlsError, TlsFiles};

/// A listener could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {message}")]
pub struct ListenError {
    pub addr: SocketAddr,
    pub message: String,
}

/// Reads the certificate and key in `files` once and serves them on every
/// one of `servers` from now on (new connections get them; open ones keep
/// theirs). If they do not load, every server keeps the certificate it had.
pub async fn reload_tls<C: dropshot::ServerContext>(servers: &[HttpServer<C>], files: &TlsFiles) -> Result<(), String> {
    let config = files.load().map_err(|error| error.to_string())?;
    for server in servers {
        server.refresh_tls(&ConfigTls::Dynamic(config.clone())).await?;
    }
    Ok(())
}

/// Starts one dropshot server the way every smsgate listener runs.
///
/// `body_limit` bounds the bodies dropshot reads itself; routes that read
/// their body raw (see [`extractors::RawBody`]) enforce their own limit.
/// With `tls` (see [`TlsFiles::load`]), the listener serves HTTPS only.
pub fn start_server<C: dropshot::ServerContext>(
    api: dropshot::ApiDescription<C>,
    context: C,
    addr: SocketAddr,
    body_limit: usize,
    tls: Option<&rustls::ServerConfig>,
) -> Result<HttpServer<C>, ListenError> {
    // dropshot's own log lines carry the request URI, and callback URIs carry
    // the secret (`?token=`): it logs only what would stop the server, and
    // smsgate logs each request's outcome itself through tracing, secret-free.
    // (Its per-request INFO lines would also halve throughput.)
    let stderr = ConfigLogging::StderrTerminal {
        level: ConfigLoggingLevel::Critical,
    }
    .to_logger("smsgate")
    .expect("a stderr logger");
    // That logger applies its level on its own thread, after each record has
    // been copied into a channel to it: every request's lines crossed over
    // and woke that thread, only to be dropped there. This filter drops them
    // where they are made.
    let log = slog::Logger::root(slog::LevelFilter::new(stderr, slog::Level::Critical).fuse(), slog::o!());
    let config = ConfigDropshot {
        bind_address: addr,
        default_request_body_max_bytes: body_limit,
        // A client that hangs up must not cancel a commit half-way.
        default_handler_task_mode: HandlerTaskMode::Detached,
        ..Default::default()
    };
    ServerBuilder::new(api, context, log)
        .config(config)
        .tls(tls.map(|config| ConfigTls::Dynamic(config.clone())))
        .start()
        .map_err(|e| ListenError {
            addr,
            message: e.to_string(),
        })
}
