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
