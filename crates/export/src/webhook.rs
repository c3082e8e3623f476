//! Webhook deliveries per Standard Webhooks: a signed `POST` per event,
//! retried on anything but a 2xx (or no answer within the timeout) after
//! the schedule's waits with jitter, with the same `webhook-id` every time
//! and a fresh timestamp and signature; after the last retry the event is
//! dead-lettered. The events of a page go out `concurrency` at a time, so
//! one slow event does not hold up the others of its page; the worker
//! moves the cursor once the whole page is handled.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use smsgate_normalize::views::{DeadLetterView, FeedEvent};

use crate::backoff::delay;
use crate::clock::now_millis;
use crate::envelope::webhook_body;
use crate::metrics::ExportMetrics;
use crate::sent::Sent;
use crate::signing::Signer;

pub(crate) struct WebhookSink {
    pub(crate) export: String,
    pub(crate) http: reqwest::Client,
    pub(crate) url: String,
    pub(crate) signer: Signer,
    pub(crate) timeout: Duration,
    pub(crate) schedule: Vec<Duration>,
    pub(crate) concurrency: usize,
    pub(crate) metrics: ExportMetrics,
}

/// The HTTP client of webhook exports: no redirects (a 3xx is not a
/// delivery), a bounded connect.
pub(crate) fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .build()
        .expect("a reqwest client with rustls builds")
}

impl WebhookSink {
    pub(crate) async fn send(&self, events: &[FeedEvent]) -> Sent {
        // The deliveries made first and then run `concurrency` at a time
        // (a closure inside the stream would make the future not `Send`).
        let deliveries: Vec<_> = events.iter().map(|event| self.deliver(event)).collect();
        let outcomes: Vec<Result<(), (DeadLetterView, String)>> = futures::stream::iter(deliveries)
            .buffered(self.concurrency)
            .collect()
            .await;
        let mut sent = Sent {
            handled: events.len(),
            ..Sent::default()
        };
        for outcome in outcomes {
            if let Err((dead, error)) = outcome {
                sent.dead.push(dead);
                sent.error = Some(error);
            }
        }
        sent
    }

    /// Delivers `event`, retrying after each failure; the dead letter (and
    /// its error) after the last retry.
    async fn deliver(&self, event: &FeedEvent) -> Result<(), (DeadLetterView, String)> {
        let id = event.id();
        let body = webhook_body(event);
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let error = match self.attempt(&id, &body).await {
                Ok(()) => {
                    self.metrics.delivered(&self.export, 1);
                    return Ok(());
                }
                Err(error) => error,
            };
            self.metrics.failed(&self.export);
            if attempts as usize > self.schedule.len() {
                tracing::warn!(export = %self.export, %id, attempts, %error, "webhook delivery failed for the last time: dead-lettered");
                let dead = DeadLetterView {
                    id,
                    error: error.clone(),
                    attempts,
                    failed_at: now_millis(),
                    event: event.clone(),
                };
                return Err((dead, error));
            }
            tracing::warn!(export = %self.export, %id, attempts, %error, "webhook delivery failed; retrying");
            tokio::time::sleep(delay(&self.schedule, attempts as usize)).await;
        }
    }

    /// One signed `POST`.
    async fn attempt(&self, id: &str, body: &str) -> Result<(), String> {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let response = self
            .http
            .post(&self.url)
            .timeout(self.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", self.signer.sign(id, timestamp, body))
            .body(body.to_string())
            .send()
            .await
            // The URL may carry a token of the receiver's: never in an error.
            .map_err(|e| {
                if e.is_timeout() {
                    format!("no answer within {} ms", self.timeout.as_millis())
                } else {
                    crate::clock::error_chain(&e.without_url())
                }
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("answered {status}"))
        }
    }
}
