//! The control endpoint's shapes: what to send to the receiver on demand,
//! and what the simulator reports about the messages it accepted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kind of inbound message (MO) to send: Clickatell's SMS reply, or one
/// of the One API's inbound event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundType {
    /// An SMS reply (`/client-callback/sms-reply`).
    SmsReply,
    /// One API `moText`.
    Text,
    /// One API `moMedia`.
    Media,
    /// One API `moLocation`.
    Location,
    /// One API `moContacts`.
    Contacts,
    /// One API `moSuggestedResponse`.
    SuggestedResponse,
    /// One API `moButtonResponse`.
    Button,
    /// One API `moListPickerResponse`.
    ListPicker,
}

/// `POST /simulator/inbound`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InboundRequest {
    #[serde(rename = "type")]
    pub kind: InboundType,
    /// The handset that replies (default `27820000001`).
    pub from: Option<String>,
    /// The number it replies to (default `27820000000`).
    pub to: Option<String>,
    /// The message it answers, if any.
    pub related_message_id: Option<String>,
    /// The text: the reply's text, the media caption, the location's name,
    /// the chosen button's or item's content (a default when omitted).
    pub text: Option<String>,
}

/// `POST /simulator/smarthive-report`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SmartHiveReportRequest {
    /// SmartHive's message id.
    pub msg_id: String,
    /// The SMPP `stat` (default `DELIVRD`): DELIVRD, UNDELIV, EXPIRED, REJECTD, ...
    pub status: Option<String>,
}

/// Where one callback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet acknowledged; still being tried.
    Pending,
    /// Acknowledged with a 2xx.
    Delivered,
    /// Every attempt failed.
    Failed,
    /// Never sent (e.g. a ClearLine message without a usable `callbackUrl`).
    NotSent,
}

/// One callback and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CallbackView {
    /// The provider's status as sent (e.g. `RECEIVED_BY_RECIPIENT`, `Delivered`).
    pub status: String,
    /// A deliberate resend (`--duplicate-rate`).
    pub duplicate: bool,
    pub state: DeliveryState,
    pub attempts: u32,
    /// Why the last attempt failed, or why it was not sent.
    pub last_error: Option<String>,
}

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MessageView {
    /// `clickatell` or `clearline`.
    pub provider: String,
    pub message_id: String,
    pub to: String,
    /// The final status the simulator plays: `delivered` or `undelivered`.
    pub outcome: String,
    /// In the order they are (or were) sent.
    pub callbacks: Vec<CallbackView>,
}

/// `GET /simulator/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MessagesView {
    /// In acceptance order.
    pub messages: Vec<MessageView>,
    /// Send requests answered 503 (by `--fail-rate` or an outage).
    pub refused: u64,
    /// Send requests answered 429 (over `--throttle`).
    pub throttled: u64,
}

/// `POST /simulator/outage`: be down (answer every send request 503) for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutageRequest {
    /// How long, from now; 0 ends an outage.
    pub seconds: f64,
}

/// When the outage ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutageView {
    /// Milliseconds since the epoch.
    pub down_until: i64,
}

/// What a control request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ControlOutcome {
    /// The id of the message sent (inbound id, or SmartHive's `msg_id`).
    pub message_id: String,
    pub callback: CallbackView,
}
