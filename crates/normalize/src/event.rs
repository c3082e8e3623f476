//! What the receiver stores: status events of outbound messages, and inbound
//! messages (MO), each with the provider's raw values kept.

use serde::{Deserialize, Serialize};

use crate::Status;

/// Provider ids (a contract). Both Clickatell products share `clickatell`:
/// their message ids come from one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Clickatell,
    Smarthive,
    Clearline,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Clickatell, Provider::Smarthive, Provider::Clearline];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Clickatell => "clickatell",
            Provider::Smarthive => "smarthive",
            Provider::Clearline => "clearline",
        }
    }

    pub fn parse(text: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One status report about one outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub provider: Provider,
    pub message_id: String,
    pub client_message_id: Option<String>,
    pub to: Option<String>,
    pub from: Option<String>,
    /// The normalized status.
    pub status: Status,
    /// The provider's status word, as sent.
    pub raw_status: Option<String>,
    /// The provider's status code, as a string whatever JSON type it came as.
    pub raw_code: Option<String>,
    pub description: Option<String>,
    /// Provider time, milliseconds since the epoch (UTC); `None` when the
    /// provider sends none.
    pub occurred_at: Option<i64>,
    pub channel: Option<String>,
    /// Identifies a provider retry of this same event: two events with the
    /// same provider and key are one event, stored once.
    pub dedup_key: String,
}

/// The type of an inbound message (a contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundType {
    Text,
    Media,
    Location,
    Contacts,
    SuggestedResponse,
    ListPicker,
    Button,
    Unknown,
}

impl InboundType {
    pub const ALL: [InboundType; 8] = [
        InboundType::Text,
        InboundType::Media,
        InboundType::Location,
        InboundType::Contacts,
        InboundType::SuggestedResponse,
        InboundType::ListPicker,
        InboundType::Button,
        InboundType::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboundType::Text => "text",
            InboundType::Media => "media",
            InboundType::Location => "location",
            InboundType::Contacts => "contacts",
            InboundType::SuggestedResponse => "suggested_response",
            InboundType::ListPicker => "list_picker",
            InboundType::Button => "button",
            InboundType::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<InboundType> {
        InboundType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// One inbound message (MO), with the provider's full payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub provider: Provider,
    /// The inbound message's own id (Clickatell SMS `replyMessageId`, One API
    /// `messageId`); also its dedup key.
    pub message_id: String,
    /// The outbound message it answers.
    pub related_message_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub channel: Option<String>,
    pub kind: InboundType,
    /// The text content, the media caption, the location name, or the chosen
    /// button's or item's content.
    pub text: Option<String>,
    pub occurred_at: Option<i64>,
    /// The event exactly as the provider sent it (unknown fields included).
    pub payload: serde_json::Value,
}
