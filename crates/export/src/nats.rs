//! NATS JetStream deliveries: each event a CloudEvents JSON message on
//! `{subject}.{kind}.{provider}` with `Nats-Msg-Id` set to the event's id,
//! so that JetStream drops a re-publish inside its duplicate window (after
//! a crash between the ack and the cursor's save). A page is published in
//! feed order without waiting, then the acks are awaited in that order:
//! the worker moves the cursor past the acknowledged prefix only.
//!
//! The connection is made on first use and again after it could not be
//! made (a server down at start-up is a logged retry, never a stop of
//! `serve`); once made, the client reconnects by itself. The stream is
//! created if missing, capturing `{subject}.>`.

use std::time::Duration;

use async_nats::jetstream::{self, Context};
use smsgate_normalize::views::FeedEvent;

use crate::clock::error_chain;
use crate::envelope::{cloud_event, nats_subject};
use crate::metrics::ExportMetrics;
use crate::sent::Sent;

pub(crate) struct NatsSink {
    pub(crate) export: String,
    pub(crate) url: String,
    pub(crate) stream: String,
    pub(crate) subject: String,
    pub(crate) timeout: Duration,
    pub(crate) metrics: ExportMetrics,
    pub(crate) jetstream: Option<Context>,
}

impl NatsSink {
    /// The JetStream context, connecting and making sure of the stream first.
    pub(crate) async fn ready(&mut self) -> Result<Context, String> {
        if let Some(context) = &self.jetstream {
            return Ok(context.clone());
        }
        // The URL may carry a user and password: shown without them.
        let shown = smsgate_store::display_url(&self.url);
        let client = async_nats::ConnectOptions::new()
            .name(format!("smsgate export {}", self.export))
            .connection_timeout(self.timeout)
            .connect(self.url.as_str())
            .await
            .map_err(|e| format!("cannot connect to NATS at {shown}: {}", error_chain(&e)))?;
        let mut context = jetstream::new(client);
        context.set_timeout(self.timeout);
        let config = jetstream::stream::Config {
            name: self.stream.clone(),
            subjects: vec![format!("{}.>", self.subject)],
            ..Default::default()
        };
        context
            .get_or_create_stream(config)
            .await
            .map_err(|e| format!("cannot create or find the stream {}: {}", self.stream, error_chain(&e)))?;
        tracing::info!(export = %self.export, url = %shown, stream = %self.stream, "connected to NATS JetStream");
        self.jetstream = Some(context.clone());
        Ok(context)
    }

    pub(crate) async fn send(&mut self, events: &[FeedEvent]) -> Sent {
        let context = match self.ready().await {
            Ok(context) => context,
            Err(error) => {
                self.metrics.failed(&self.export);
                return Sent {
                    error: Some(error),
                    ..Sent::default()
                };
            }
        };
        let mut acks = Vec::with_capacity(events.len());
        let mut error = None;
        for event in events {
            let message = jetstream::message::PublishMessage::build()
                .payload(cloud_event(event).into())
                .message_id(event.id());
            match context.send_publish(nats_subject(&self.subject, event), message).await {
                Ok(ack) => acks.push(ack),
                Err(e) => {
                    error = Some(format!("publish failed: {}", error_chain(&e)));
                    break;
                }
            }
        }
        let mut handled = 0;
        for ack in acks {
            match ack.await {
                Ok(_) => handled += 1,
                Err(e) => {
                    error = Some(format!("JetStream did not acknowledge: {}", error_chain(&e)));
                    break;
                }
            }
        }
        self.metrics.delivered(&self.export, handled);
        if error.is_some() {
            self.metrics.failed(&self.export);
        }
        Sent {
            handled,
            dead: Vec::new(),
            error,
        }
    }
}
