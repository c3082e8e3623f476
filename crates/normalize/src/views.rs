//! JSON shapes of the query API under `/v1`: a contract that other services
//! and `smsgate::api` read (docs/architecture.md, "Query API"). Times are
//! integer milliseconds since the epoch (UTC); cursors are opaque strings.
//!
//! They live beside [`Provider`] and [`Status`] rather than with the HTTP
//! trait so that the store can return them without depending on dropshot.

pub use crate::{AttemptOutcome, InboundType, OutboundStatus, Provider, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `GET /v1/messages/{provider}/{message_id}`: an outbound message and its
/// status events, in provider-time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessageView {
    pub provider: Provider,
    pub message_id: String,
    pub client_message_id: Option<String>,
    pub to: Option<String>,
    pub from: Option<String>,
    /// The current status: it never moves backwards, whatever the order the
    /// events arrived in.
    pub status: Status,
    /// The earliest provider time among the events carrying `status`.
    pub status_at: Option<i64>,
    pub events: Vec<MessageEventView>,
}

/// One status event of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessageEventView {
    pub status: Status,
    /// The provider's status word, as sent.
    pub raw_status: Option<String>,
    /// The provider's status code, as a string whatever JSON type it came as.
    pub raw_code: Option<String>,
    pub description: Option<String>,
    /// Provider time.
    pub occurred_at: Option<i64>,
    /// When smsgate received it.
    pub received_at: i64,
    pub channel: Option<String>,
}

/// `GET /v1/events`: every stored event once, in commit order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventsPage {
    pub events: Vec<FeedEvent>,
    /// Pass as `after` next time; unchanged when nothing new has arrived.
    pub next_cursor: String,
}

/// An event of the feed: a status event or an inbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FeedEvent {
    Status(StatusFeedEvent),
    Inbound(InboundView),
}

impl FeedEvent {
    pub fn cursor(&self) -> &str {
        match self {
            FeedEvent::Status(event) => &event.cursor,
            FeedEvent::Inbound(message) => &message.cursor,
        }
    }

    /// The event's id for other services (a webhook's `webhook-id`, a
    /// CloudEvent's `id`, JetStream's `Nats-Msg-Id`): one per stored event,
    /// the same however often it is sent, so that a consumer drops repeats.
    pub fn id(&self) -> String {
        format!("evt_{}", self.cursor())
    }

    /// `status` or `inbound`, as the `kind` field says.
    pub fn kind(&self) -> &'static str {
        match self {
            FeedEvent::Status(_) => "status",
            FeedEvent::Inbound(_) => "inbound",
        }
    }

    pub fn provider(&self) -> Provider {
        match self {
            FeedEvent::Status(event) => event.provider,
            FeedEvent::Inbound(message) => message.provider,
        }
    }

    pub fn message_id(&self) -> &str {
        match self {
            FeedEvent::Status(event) => &event.message_id,
            FeedEvent::Inbound(message) => &message.message_id,
        }
    }

    /// When smsgate stored it, ms since the epoch.
    pub fn received_at(&self) -> i64 {
        match self {
            FeedEvent::Status(event) => event.received_at,
            FeedEvent::Inbound(message) => message.received_at,
        }
    }
}

/// A status event in the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusFeedEvent {
    pub cursor: String,
    pub provider: Provider,
    pub message_id: String,
    pub client_message_id: Option<String>,
    pub status: Status,
    pub raw_status: Option<String>,
    pub raw_code: Option<String>,
    pub description: Option<String>,
    pub occurred_at: Option<i64>,
    pub received_at: i64,
    pub channel: Option<String>,
}

/// `GET /v1/inbound`: inbound messages alone, in commit order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InboundPage {
    pub messages: Vec<InboundView>,
    pub next_cursor: String,
}

/// An inbound message (MO) with the provider's full payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InboundView {
    pub cursor: String,
    pub provider: Provider,
    /// The inbound message's own id.
    pub message_id: String,
    /// The outbound message it answers.
    pub related_message_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub channel: Option<String>,
    #[serde(rename = "type")]
    pub kind: InboundType,
    /// Text content, media caption, location name, or the chosen button's or item's content.
    pub text: Option<String>,
    pub occurred_at: Option<i64>,
    pub received_at: i64,
    /// The event exactly as the provider sent it.
    pub payload: serde_json::Value,
}

/// `GET /v1/quarantine`: authenticated callbacks whose bodies could not be parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QuarantinePage {
    pub requests: Vec<QuarantinedRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QuarantinedRequest {
    pub id: i64,
    pub provider: Provider,
    pub method: String,
    pub path: String,
    pub received_at: i64,
    /// Why it could not be parsed.
    pub error: String,
    /// The body as text when it is UTF-8, else base64.
    pub body: String,
}

/// `GET /v1/outbound/{id}`: a message sent through smsgate, with every
/// submission attempt and the status events of the provider message(s)
/// that carried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutboundView {
    /// smsgate's id for the message (`ob_...`).
    pub id: String,
    /// The recipient, E.164.
    pub to: String,
    pub from: Option<String>,
    pub text: String,
    /// The caller's own reference, as given.
    pub reference: Option<String>,
    /// The route that carries it.
    pub route: String,
    pub status: OutboundStatus,
    /// When the message reached `status` (provider time once a provider
    /// reports it).
    pub status_at: Option<i64>,
    /// Why the message failed or was rejected, or why its outcome is unknown.
    pub error: Option<String>,
    /// SMS parts the text takes.
    pub segments: u32,
    /// When it was accepted by smsgate.
    pub created_at: i64,
    pub attempts: Vec<AttemptView>,
    /// The provider's status events, in provider-time order.
    pub events: Vec<OutboundEventView>,
}

/// One submission of an outbound message to a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttemptView {
    /// The configured provider name (`[providers.NAME]`).
    pub provider: String,
    /// The provider API it went through: `clickatell`, `clickatell-http` or `clearline`.
    pub api: String,
    /// The provider's id for the message, once known.
    pub provider_message_id: Option<String>,
    /// When the request left.
    pub submitted_at: i64,
    pub outcome: AttemptOutcome,
    pub error: Option<String>,
}

/// A status event of an outbound message: a `/v1/messages` event, plus the
/// provider (configured name) and provider message it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutboundEventView {
    /// The configured provider name of the attempt the event is about.
    pub provider: String,
    pub provider_message_id: String,
    pub status: Status,
    pub raw_status: Option<String>,
    pub raw_code: Option<String>,
    pub description: Option<String>,
    /// Provider time.
    pub occurred_at: Option<i64>,
    /// When smsgate received it.
    pub received_at: i64,
    pub channel: Option<String>,
}

/// `GET /v1/outbound`: outbound messages in the order smsgate accepted them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutboundPage {
    pub messages: Vec<OutboundView>,
    /// Pass as `after` next time; unchanged when nothing new has arrived.
    pub next_cursor: String,
}

/// `POST /v1/outbound`: a message to send through the configured providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutboundRequest {
    /// The recipient in E.164: `+` and 8 to 15 digits.
    pub to: String,
    /// The text; not empty.
    pub text: String,
    /// The sender number or name, where the provider takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Your own reference, kept with the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A route by name; by default the route whose prefix matches `to` longest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
}

/// `GET /v1/providers`: the configured providers and their circuit breakers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProvidersPage {
    pub providers: Vec<ProviderView>,
}

/// A configured provider (`[providers.NAME]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProviderView {
    pub name: String,
    /// `clickatell`, `clickatell-http` or `clearline`.
    pub api: String,
    /// This replica's circuit breaker for it.
    pub breaker: BreakerState,
}

/// A circuit breaker's state: `closed` (requests go), `open` (routes skip
/// the provider), `half_open` (one probe decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// `GET /v1/opt-outs`: the numbers no message goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OptOutsPage {
    pub numbers: Vec<OptOutView>,
}

/// An opted-out number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OptOutView {
    /// E.164.
    pub number: String,
    /// When it opted out (the inbound text's receipt, or the API call).
    pub since: i64,
    /// `inbound:PROVIDER` (a STOP text through that provider) or `api`.
    pub source: String,
}

/// `GET /v1/messages`: outbound messages matching a search, newest first
/// (by `first_seen_at`, then provider and message id, so that a page
/// boundary never skips or repeats a message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessagesPage {
    pub messages: Vec<MessageSummary>,
    /// Pass as `after` (with the same filters) for the next, older page;
    /// null when this page is the last.
    pub next_cursor: Option<String>,
}

/// An outbound message as a search finds it; its events are in
/// `GET /v1/messages/{provider}/{message_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessageSummary {
    pub provider: Provider,
    pub message_id: String,
    /// The id the sender gave the provider; for a message sent through
    /// smsgate, its outbound id (`ob_...`).
    pub client_message_id: Option<String>,
    pub to: Option<String>,
    pub from: Option<String>,
    pub status: Status,
    /// The earliest provider time among the events carrying `status`.
    pub status_at: Option<i64>,
    /// When smsgate stored the message's first event (its receipt time):
    /// the order of a search and the time its `since`/`until` window and
    /// the delivery statistics' buckets go by.
    pub first_seen_at: i64,
    /// When it was submitted: the earliest time (provider time, else
    /// receipt time) of its `accepted` events, which include the
    /// `submitted` record smsgate makes when it sends a message; null when
    /// no acceptance is known.
    pub submitted_at: Option<i64>,
    /// When it was delivered: the earliest time of its `delivered` (or
    /// `read`) events; null when none has arrived.
    pub delivered_at: Option<i64>,
}

/// `GET /v1/stats/delivery`: delivery figures per provider over a window,
/// in total and per bucket (for plotting over time). A message belongs to
/// the window, and to a bucket, by its `first_seen_at`; it counts under its
/// current status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryStats {
    /// Start of the window (inclusive), ms since the epoch.
    pub since: i64,
    /// End of the window (exclusive).
    pub until: i64,
    /// Length of a bucket, ms; the buckets start at `since`, and the last
    /// one ends at `until` or is cut short there.
    pub bucket: i64,
    /// Each provider asked for (every provider by default), by provider id.
    pub providers: Vec<ProviderDelivery>,
}

/// One provider's delivery figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProviderDelivery {
    pub provider: Provider,
    /// The whole window.
    pub total: DeliveryFigures,
    /// Every bucket of the window in time order, empty ones included.
    pub buckets: Vec<DeliveryBucket>,
}

/// The figures of one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryBucket {
    /// Start of the bucket (inclusive), ms since the epoch.
    pub start: i64,
    pub figures: DeliveryFigures,
}

/// Delivery figures of a set of messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryFigures {
    /// Messages in the set.
    pub messages: u64,
    /// The messages by current status.
    pub statuses: StatusCounts,
    /// Delivered (`delivered` or `read`) over finished (every terminal
    /// status) messages; null when none has finished. Messages still on
    /// their way do not count either way.
    pub delivery_rate: Option<f64>,
    /// The delay from submission to delivery.
    pub latency: LatencyPercentiles,
}

/// Messages by current status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StatusCounts {
    pub unknown: u64,
    pub accepted: u64,
    pub sent: u64,
    pub buffered: u64,
    pub delivered: u64,
    pub read: u64,
    pub undelivered: u64,
    pub expired: u64,
    pub rejected: u64,
    pub cancelled: u64,
}

impl StatusCounts {
    /// Counts `count` more messages of `status`.
    pub fn add(&mut self, status: Status, count: u64) {
        let slot = match status {
            Status::Unknown => &mut self.unknown,
            Status::Accepted => &mut self.accepted,
            Status::Sent => &mut self.sent,
            Status::Buffered => &mut self.buffered,
            Status::Delivered => &mut self.delivered,
            Status::Read => &mut self.read,
            Status::Undelivered => &mut self.undelivered,
            Status::Expired => &mut self.expired,
            Status::Rejected => &mut self.rejected,
            Status::Cancelled => &mut self.cancelled,
        };
        *slot += count;
    }

    /// Every message counted.
    pub fn total(&self) -> u64 {
        self.delivered_or_read() + self.failed() + self.unknown + self.accepted + self.sent + self.buffered
    }

    /// Delivered over finished messages (see [`DeliveryFigures::delivery_rate`]).
    pub fn delivery_rate(&self) -> Option<f64> {
        let finished = self.delivered_or_read() + self.failed();
        (finished > 0).then(|| self.delivered_or_read() as f64 / finished as f64)
    }

    fn delivered_or_read(&self) -> u64 {
        self.delivered + self.read
    }

    /// The failure family: terminal without delivery.
    fn failed(&self) -> u64 {
        self.undelivered + self.expired + self.rejected + self.cancelled
    }
}

/// Delay from submission (`submitted_at`) to delivery (`delivered_at`), in
/// ms, over the messages that have both (a delivery reported before the
/// submission's time, by a provider's clock, counts as 0). Percentiles are
/// nearest-rank: `p90` is the smallest delay at least 90% of the delays
/// are at most, i.e. the `ceil(0.9 * count)`-th smallest. Null when
/// `count` is 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyPercentiles {
    /// Messages with both times.
    pub count: u64,
    pub p50: Option<i64>,
    pub p90: Option<i64>,
    pub p99: Option<i64>,
}

/// `GET /v1/exports`: the configured exports and how far each has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExportsPage {
    pub exports: Vec<ExportView>,
}

/// One `[[exports]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExportView {
    pub name: String,
    /// `webhook` or `nats`.
    pub kind: String,
    /// The feed position delivered up to (as `/v1/events` spells it); null
    /// before the first delivery.
    pub cursor: Option<String>,
    /// Events stored after `cursor`, not yet delivered.
    pub lag: i64,
    pub state: ExportState,
    /// The latest delivery error, null once a delivery succeeds again.
    pub last_error: Option<String>,
}

/// Whether an export runs: `running` (a replica holds it and its last
/// delivery went through), `failing` (a replica holds it and retries),
/// `stopped` (no replica holds it now: none runs it, or the one that did
/// died and another takes over once its lease ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    Running,
    Failing,
    Stopped,
}

impl ExportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Running => "running",
            ExportState::Failing => "failing",
            ExportState::Stopped => "stopped",
        }
    }
}

/// `GET /v1/exports/{name}/dead-letters`: events an export gave up on
/// after its last retry, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeadLettersPage {
    pub dead_letters: Vec<DeadLetterView>,
}

/// An event an export could not deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeadLetterView {
    /// The event's id, as it was sent (`webhook-id`).
    pub id: String,
    /// The last attempt's error.
    pub error: String,
    /// How many deliveries were tried.
    pub attempts: u32,
    /// When it was given up on.
    pub failed_at: i64,
    /// The event, as `/v1/events` gives it.
    pub event: FeedEvent,
}

/// `POST /v1/exports/{name}/replay`: send again the stored events received
/// within a time range (ms since the epoch, both ends included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReplayRequest {
    /// From this time; omitted, from the first event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// Up to this time; omitted, up to now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

/// A replay queued for an export: its events go out beside the live feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReplayView {
    pub id: i64,
    pub export: String,
    pub since: Option<i64>,
    pub until: i64,
    pub requested_at: i64,
}
