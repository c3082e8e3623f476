//! Starting the receiver: one listener, or two when the query API has its own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dropshot::HttpServer;
use smsgate_http_server::{TlsFiles, reload_tls, start_server};
use smsgate_receiver_api::receiver_api_mod;
use smsgate_store::Store;

use crate::Secrets;
use crate::context::{ReceiverContext, Surfaces};
use crate::http_entrypoints::ReceiverImpl;
use crate::metrics::Metrics;
use crate::secrets::Secret;
use smsgate_console::session::SessionKey;
use smsgate_dispatch::Sending;
use smsgate_export::Exports;

/// How to run the receiver.
#[derive(Debug, Clone)]
pub struct Config {
    /// The callback address (and the query API's, unless `api_listen`).
    pub listen: SocketAddr,
    /// A separate address for the query API and `/metrics`, so that the
    /// callback port can face the internet and the query API stay private.
    pub api_listen: Option<SocketAddr>,
    /// Callback bodies larger than this get 413.
    pub body_limit: usize,
    /// A callback body not fully received this long after its headers gets
    /// 408, so that clients trickling bodies cannot hold connections forever.
    pub body_timeout: Duration,
    /// HTTPS on every listener with this certificate; plain HTTP without.
    pub tls: Option<TlsFiles>,
    /// Sending through `/v1/outbound`; without it, the route says how to configure it.
    pub sending: Option<Sending>,
    /// The secret the console's session cookies are signed with (with the
    /// API token). `smsgate serve` keeps one in the store, so that sessions
    /// survive restarts and every replica accepts them; without one, each
    /// start makes its own (signing everybody out).
    pub console_secret: Option<Secret>,
    /// The exports `serve` runs, for `/v1/exports` and `/metrics`.
    pub exports: Option<Exports>,
}

impl Config {
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

    /// Everything on `listen`, with the default limits.
    pub fn on(listen: SocketAddr) -> Config {
        Config {
            listen,
            api_listen: None,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            tls: None,
            sending: None,
            console_secret: None,
            exports: None,
        }
    }
}

/// A started receiver.
pub struct Running {
    servers: Vec<HttpServer<ReceiverContext>>,
    tls: Option<TlsFiles>,
    pub metrics: Arc<Metrics>,
}

impl Running {
    /// Where callbacks are served.
    pub fn callback_addr(&self) -> SocketAddr {
        self.servers[0].local_addr()
    }

    /// Where the query API is served.
    pub fn api_addr(&self) -> SocketAddr {
        self.servers.last().expect("at least one server").local_addr()
    }

    /// Runs until a server stops (it only stops on error or `close`).
    pub async fn wait(&self) -> Result<(), String> {
        let waits = self.servers.iter().map(|s| s.wait_for_shutdown());
        futures::future::select_all(waits).await.0
    }

    /// Reads the certificate and key again and serves them on every
    /// listener from now on; open connections are not dropped. On error
    /// every listener keeps the certificate it had.
    pub async fn reload_tls(&self) -> Result<(), String> {
        let Some(files) = &self.tls else {
            return Err("the receiver serves plain HTTP: there is no certificate to reload".into());
        };
        reload_tls(&self.servers, files).await
    }

    /// Stops accepting requests and waits for the ones in flight.
    pub async fn close(self) -> Result<(), String> {
        for server in self.servers {
            server.close().await?;
        }
        Ok(())
    }
}

/// A listener of the receiver could not be started.
pub type StartError = smsgate_http_server::ListenError;

/// Starts the receiver on `config`'s addresses.
pub async fn start(config: &Config, store: Arc<dyn Store>, secrets: Secrets) -> Result<Running, StartError> {
    let mut metrics = Metrics::default();
    metrics.register_store(store.clone());
    if let Some(exports) = &config.exports {
        metrics.register_exports(&exports.metrics);
    }
    let metrics = Arc::new(metrics);
    let listeners = match config.api_listen {
        None => vec![(config.listen, Surfaces::Both)],
        Some(api) => vec![(config.listen, Surfaces::Callbacks), (api, Surfaces::Query)],
    };
    // Read once: every listener serves the same certificate.
    let tls = config
        .tls
        .as_ref()
        .map(TlsFiles::load)
        .transpose()
        .map_err(|error| StartError {
            addr: config.listen,
            message: error.to_string(),
        })?;
    let console_secret = config.console_secret.clone().unwrap_or_else(Secret::generate);
    let session_key = SessionKey::derive(console_secret.expose(), secrets.api.expose());
    let mut servers = Vec::new();
    for (addr, surfaces) in listeners {
        let context = ReceiverContext {
            store: store.clone(),
            secrets: secrets.clone(),
            metrics: metrics.clone(),
            body_limit: config.body_limit,
            body_timeout: config.body_timeout,
            surfaces,
            sending: config.sending.clone(),
            session_key: session_key.clone(),
            https: tls.is_some(),
            exports: config.exports.clone(),
        };
        let api = receiver_api_mod::api_description::<ReceiverImpl>().expect("the ReceiverApi trait is valid");
        // Callback bodies are read by smsgate itself (413 over the limit);
        // dropshot's limit bounds the query API's bodies (it has none).
        servers.push(start_server(api, context, addr, config.body_limit, tls.as_ref())?);
    }
    Ok(Running {
        servers,
        tls: config.tls.clone(),
        metrics,
    })
}
