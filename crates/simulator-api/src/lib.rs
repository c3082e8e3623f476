//! The provider simulator's HTTP contract, without its implementation (the
//! omicron `*-api` crate shape, like `smsgate-receiver-api`): the dropshot
//! trait [`SimulatorApi`] that `smsgate-simulator` implements, the
//! providers' error answers ([`errors`]) and the control endpoint's shapes
//! ([`control`]).
//!
//! The provider routes keep the vendors' paths and operation ids, and
//! document their requests with the generated types of
//! `smsgate::{clickatell, clearline}::sms_api`; but they take the request
//! raw ([`RawBody`], [`RawQuery`]), because the simulator checks the API key
//! first and validates the request against the effective spec with an
//! independent JSON-Schema validator, answering in the provider's own error
//! shape, where `TypedBody` would answer a dropshot 400 and accept whatever
//! the generated types happen to accept.
//!
//! Its OpenAPI document is committed as `openapi/server/smsgate-simulator.json`
//! ([`openapi`]).

pub mod control;
pub mod errors;
pub mod openapi;

use dropshot::{HttpError, HttpResponseOk, RequestContext, TypedBody};
use schemars::JsonSchema;
use serde::Deserialize;
use smsgate::clearline::sms_api::types::SendSmsRequest;
use smsgate::clickatell::sms_api::types::{SendBulkMessageRequest, SendMessageRequest, SendMessagesListResponse};
pub use smsgate_http_server::extractors::{RawBody, RawQuery};

use crate::control::{ControlOutcome, InboundRequest, MessagesView, OutageRequest, OutageView, SmartHiveReportRequest};
use crate::errors::{ClearLineAnswer, ClearLineError, ClickatellAnswer, ClickatellError};

/// Tags that say whose API an endpoint plays.
pub mod tags {
    /// Clickatell's SMS API (`openapi/clickatell-sms-api.json`).
    pub const CLICKATELL: &str = "clickatell";
    /// ClearLine's send API (`openapi/clearline-sms-api.json`).
    pub const CLEARLINE: &str = "clearline";
    /// The simulator's own control endpoint (not a provider's).
    pub const CONTROL: &str = "control";
}

/// The query parameters of Clickatell's `GET /messages/http/send`, as its
/// spec lists them (the generated client has no type for them).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpSendParams {
    /// Integration API key.
    pub api_key: String,
    /// Receiver number.
    pub to: String,
    /// Sender number in two-way integration.
    pub from: Option<String>,
    /// Message content.
    pub content: String,
    /// Client message id.
    pub client_message_id: Option<String>,
}

/// A stand-in for the providers' send APIs, which then plays each accepted
/// message's status callbacks to the receiver; and a control endpoint.
///
/// Every endpoint carries exactly one tag, naming the provider it stands in
/// for or `control`; dropshot refuses the description otherwise.
#[dropshot::api_description {
    tag_config = {
        allow_other_tags = false,
        policy = dropshot::EndpointTagPolicy::ExactlyOne,
        tags = {
            "clickatell" = { description = "Clickatell's send API (SMS API)" },
            "clearline" = { description = "ClearLine's send API" },
            "control" = { description = "The simulator's own control endpoints" },
        },
    },
}]
pub trait SimulatorApi {
    type Context;

    /// Clickatell: send one message to one or more recipients.
    #[endpoint { method = POST, path = "/messages", operation_id = "sendMessageREST_1", tags = ["clickatell"] }]
    async fn clickatell_send(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<SendMessageRequest>,
    ) -> Result<ClickatellAnswer<SendMessagesListResponse>, ClickatellError>;

    /// Clickatell: send many messages; one result list per message.
    #[endpoint { method = POST, path = "/messages/rest/bulk", operation_id = "sendBulkMessageREST", tags = ["clickatell"] }]
    async fn clickatell_send_bulk(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<SendBulkMessageRequest>,
    ) -> Result<ClickatellAnswer<Vec<SendMessagesListResponse>>, ClickatellError>;

    /// Clickatell: send one message over HTTP GET, the key in `apiKey`.
    #[endpoint { method = GET, path = "/messages/http/send", operation_id = "sendMessageHTTP", tags = ["clickatell"] }]
    async fn clickatell_send_http(
        rqctx: RequestContext<Self::Context>,
        query: RawQuery<HttpSendParams>,
    ) -> Result<ClickatellAnswer<SendMessagesListResponse>, ClickatellError>;

    /// ClearLine: send one SMS; its status goes to the request's `callbackUrl`.
    #[endpoint { method = POST, path = "/MessageSender/sms", operation_id = "sendSms", tags = ["clearline"] }]
    async fn clearline_send(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<SendSmsRequest>,
    ) -> Result<ClearLineAnswer, ClearLineError>;

    /// Sends an inbound message (MO) of any type to the receiver.
    #[endpoint { method = POST, path = "/simulator/inbound", operation_id = "sendInbound", tags = ["control"] }]
    async fn send_inbound(
        rqctx: RequestContext<Self::Context>,
        body: TypedBody<InboundRequest>,
    ) -> Result<HttpResponseOk<ControlOutcome>, HttpError>;

    /// Sends a SmartHive delivery report to the receiver.
    #[endpoint { method = POST, path = "/simulator/smarthive-report", operation_id = "sendSmartHiveReport", tags = ["control"] }]
    async fn send_smarthive_report(
        rqctx: RequestContext<Self::Context>,
        body: TypedBody<SmartHiveReportRequest>,
    ) -> Result<HttpResponseOk<ControlOutcome>, HttpError>;

    /// Plays a provider that is down: every send request is answered 503
    /// for the given time (a sender's circuit breaker should open).
    #[endpoint { method = POST, path = "/simulator/outage", operation_id = "startOutage", tags = ["control"] }]
    async fn start_outage(
        rqctx: RequestContext<Self::Context>,
        body: TypedBody<OutageRequest>,
    ) -> Result<HttpResponseOk<OutageView>, HttpError>;

    /// The messages accepted so far and where each one's callbacks are.
    #[endpoint { method = GET, path = "/simulator/messages", operation_id = "listSimulatedMessages", tags = ["control"] }]
    async fn list_messages(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<MessagesView>, HttpError>;
}
