//! JSON shapes of the query API under `/v1`: a contract that other services
//! and `smsgate::api` read (docs/architecture.md, "Query API"). Times are
//! integer milliseconds since the epoch (UTC); cursors are opaque strings.
//!
//! They live beside [`Provider`] and [`Status`] rather than with the HTTP
//! trait so that the store can return them without depending on dropshot.

pub use crate::{InboundType, Provider, Status};
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
