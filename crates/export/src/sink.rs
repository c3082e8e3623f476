//! What a worker hands a page of events to, and what it gets back. Each
//! kind of export is a module (`webhook`, `nats`) with one `send`; this
//! enum picks it, so that the worker's loop (cursor, lease, replays, dead
//! letters) is written once.

use smsgate_normalize::views::FeedEvent;

use crate::nats::NatsSink;
use crate::sent::Sent;
use crate::webhook::WebhookSink;

pub(crate) enum Sink {
    Webhook(WebhookSink),
    /// Boxed: the JetStream context is several times a webhook's size.
    Nats(Box<NatsSink>),
}

impl Sink {
    pub(crate) async fn send(&mut self, events: &[FeedEvent]) -> Sent {
        match self {
            Sink::Webhook(sink) => sink.send(events).await,
            Sink::Nats(sink) => sink.send(events).await,
        }
    }

    /// Makes sure the sink can take events (NATS: connected, the stream
    /// there), so that a server out of reach shows at start-up, not only
    /// with the first event.
    pub(crate) async fn ready(&mut self) -> Result<(), String> {
        match self {
            Sink::Webhook(_) => Ok(()),
            Sink::Nats(sink) => sink.ready().await.map(drop),
        }
    }

    /// Whether a page that stopped short is retried after a wait (NATS:
    /// nothing is ever skipped), as against a webhook whose every event is
    /// handled (delivered or dead-lettered) before `send` returns.
    pub(crate) fn retries_pages(&self) -> bool {
        matches!(self, Sink::Nats(_))
    }
}
