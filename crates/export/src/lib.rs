//! Exports: every stored event pushed to other services, each export with
//! its own durable cursor, as `smsgate serve` runs them beside the
//! receiver (`[[exports]]` in the configuration).
//!
//! The guarantees are the event feed's, for pushing: nothing skipped (an
//! export follows the feed, which no reader can skip through, and stores
//! its cursor only after its events were delivered or dead-lettered), at
//! least once (a restart resends from the stored cursor), and one id per
//! event on every send, so that a consumer drops repeats.
//!
//! Its shape follows an event's way out:
//! - [`config`]: the `[[exports]]` entries, checked at start-up (each
//!   mistake names its line);
//! - `worker`: one loop per export: its lease (one replica at a time runs
//!   it), the feed from its cursor, replays, and storing each step;
//! - `sink`, `webhook`, `nats`: the two kinds of export, one `send` each
//!   (`sent`: what they report);
//!   `envelope` (the bodies), `signing` (Standard Webhooks signatures),
//!   `backoff` (waits with jitter);
//! - [`metrics`]: counters for `/metrics`;
//! - this file: [`Exports`], what `serve`, the API and the CLI share (the
//!   configuration, the views, replays, starting and stopping the workers).
//!
//! The store keeps everything that must outlive a process (cursors, leases,
//! dead letters, replays: `smsgate_store::exports`); the HTTP side is the
//! receiver's.

mod backoff;
mod clock;
pub mod config;
pub mod envelope;
pub mod metrics;
mod nats;
mod sent;
mod signing;
mod sink;
mod webhook;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use smsgate_normalize::views::{DeadLettersPage, ExportState, ExportView, ExportsPage, ReplayRequest, ReplayView};
use smsgate_store::exports::ExportRecord;
use smsgate_store::{Store, StoreError};
use tokio::sync::watch;

pub use config::{ConfigError, ExportConfig, ExportsConfig, Filter, Target};
pub use metrics::ExportMetrics;
pub use signing::Signer;

use crate::clock::now_millis;
use crate::nats::NatsSink;
use crate::sink::Sink;
use crate::webhook::WebhookSink;
use crate::worker::Worker;

/// The configured exports and their counters, shared by the workers, the
/// API and `/metrics`.
#[derive(Debug, Clone)]
pub struct Exports {
    config: Arc<ExportsConfig>,
    pub metrics: ExportMetrics,
}

/// Why a replay was not queued.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no export named `{0}` is configured")]
    UnknownExport(String),
    #[error("{0}")]
    BadRange(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Exports {
    pub fn new(config: ExportsConfig) -> Exports {
        Exports {
            config: Arc::new(config),
            metrics: ExportMetrics::default(),
        }
    }

    pub fn config(&self) -> &ExportsConfig {
        &self.config
    }

    /// `GET /v1/exports`; sets the lag gauges on the way.
    pub async fn views(&self, store: &dyn Store) -> Result<ExportsPage, StoreError> {
        let configured: Vec<(&str, &str)> = self
            .config
            .exports
            .iter()
            .map(|e| (e.name.as_str(), e.target.kind()))
            .collect();
        let page = views(&configured, store.exports().await?, now_millis());
        for export in &page.exports {
            self.metrics.lag(&export.name, export.lag);
        }
        Ok(page)
    }

    /// `GET /v1/exports/{name}/dead-letters`; `None` for an export not configured.
    pub async fn dead_letters(&self, store: &dyn Store, name: &str) -> Result<Option<DeadLettersPage>, StoreError> {
        if self.config.find(name).is_none() {
            return Ok(None);
        }
        let dead_letters = store.dead_letters(name).await?;
        Ok(Some(DeadLettersPage { dead_letters }))
    }

    /// `POST /v1/exports/{name}/replay`.
    pub async fn replay(
        &self,
        store: &dyn Store,
        name: &str,
        request: &ReplayRequest,
    ) -> Result<ReplayView, ReplayError> {
        if self.config.find(name).is_none() {
            return Err(ReplayError::UnknownExport(name.to_string()));
        }
        queue_replay(store, name, request).await
    }

    /// Starts a worker per export, holding leases as `owner` (a name for
    /// this process that no other live process has).
    pub fn start(&self, store: &Arc<dyn Store>, owner: &str) -> RunningExports {
        let (stop, stopped) = watch::channel(false);
        let tasks = self
            .config
            .exports
            .iter()
            .map(|config| {
                let sink = match &config.target {
                    Target::Webhook {
                        url,
                        signer,
                        concurrency,
                    } => Sink::Webhook(WebhookSink {
                        export: config.name.clone(),
                        http: webhook::http_client(config.timeout),
                        url: url.clone(),
                        signer: signer.clone(),
                        timeout: config.timeout,
                        schedule: config.retry_schedule.clone(),
                        concurrency: *concurrency,
                        metrics: self.metrics.clone(),
                    }),
                    Target::Nats { url, stream, subject } => Sink::Nats(Box::new(NatsSink {
                        export: config.name.clone(),
                        url: url.clone(),
                        stream: stream.clone(),
                        subject: subject.clone(),
                        timeout: config.timeout,
                        metrics: self.metrics.clone(),
                        jetstream: None,
                    })),
                };
                let worker = Worker {
                    store: Arc::clone(store),
                    config: config.clone(),
                    owner: owner.to_string(),
                    sink,
                    metrics: self.metrics.clone(),
                    holding: None,
                    replay_turn: false,
                };
                tokio::spawn(worker.run(stopped.clone()))
            })
            .collect();
        RunningExports { stop, tasks }
    }
}

/// Queues a replay of `request`'s range (`until` defaults to now) for
/// export `name`, after checking the range.
pub async fn queue_replay(store: &dyn Store, name: &str, request: &ReplayRequest) -> Result<ReplayView, ReplayError> {
    let now = now_millis();
    let until = request.until.unwrap_or(now);
    if let Some(since) = request.since
        && since > until
    {
        return Err(ReplayError::BadRange(format!(
            "since ({since}) is after until ({until}): both are milliseconds since the epoch, since <= until"
        )));
    }
    Ok(store.replay_export(name, request.since, until, now).await?)
}

/// The views of the `configured` exports (name, kind) from what the store
/// knows of them at `now`.
pub fn views(configured: &[(&str, &str)], records: Vec<ExportRecord>, now: i64) -> ExportsPage {
    let exports = configured
        .iter()
        .map(|(name, kind)| {
            let record = records.iter().find(|r| r.name == *name);
            let held = record.is_some_and(|r| r.owner.is_some() && r.lease_until > now);
            let last_error = record.and_then(|r| r.last_error.clone());
            ExportView {
                name: name.to_string(),
                kind: kind.to_string(),
                cursor: record.and_then(|r| r.cursor.clone()),
                lag: record.map_or(0, |r| r.lag),
                state: match (held, &last_error) {
                    (false, _) => ExportState::Stopped,
                    (true, Some(_)) => ExportState::Failing,
                    (true, None) => ExportState::Running,
                },
                last_error,
            }
        })
        .collect();
    ExportsPage { exports }
}

/// The workers of a running `serve`.
pub struct RunningExports {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningExports {
    /// Stops every worker (a page in flight is dropped: it goes out again
    /// after the next start, from the stored cursor), `timeout` at most.
    pub async fn stop(self, timeout: Duration) {
        let _ = self.stop.send(true);
        let all = futures::future::join_all(self.tasks);
        if tokio::time::timeout(timeout, all).await.is_err() {
            tracing::warn!("exports still stopping after the shutdown timeout");
        }
    }
}
