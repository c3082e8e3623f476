//! The receiver's HTTP contract, without its implementation (the omicron
//! `*-api` crate shape): the dropshot API trait [`ReceiverApi`] that the
//! `smsgate-receiver` crate implements, the JSON shapes of the query API
//! ([`views`]), and the extractors that let callback routes document the
//! providers' schemas while reading requests raw ([`extractors`]). Keeping
//! the contract here lets the OpenAPI documents be generated, and compared
//! with what is committed and with the providers' callback specs, without
//! building the server.
//!
//! One trait holds both surfaces, callbacks (tag `callbacks`) and the query
//! API (tags `query`, `outbound` and `exports`): the query API is served on the callback address unless
//! it is given its own, and dropshot cannot merge the descriptions of two
//! traits into one server. The committed `openapi/smsgate-api.json` is the
//! `query`-, `outbound`-, `exports`- and `health`-tagged part of the document ([`query_api_openapi`]).
//!
//! The console's pages (tag `console`, `/ui/`) are endpoints of the same
//! trait, so that dropshot routes them on the query API's listener, but
//! unpublished: they answer HTML and are in no OpenAPI document; their
//! query strings are in [`console`].

pub mod console;
pub use smsgate_http_server::extractors;
pub mod openapi;
pub use smsgate_normalize::views;

use dropshot::{
    Body, Header, HttpError, HttpResponseAccepted, HttpResponseDeleted, HttpResponseOk, Path, Query, RequestContext,
    TypedBody, UntypedBody,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smsgate::clearline::callbacks::types::DeliveryStatusCallback;
use smsgate::clickatell::one_api_callbacks::types::{OmniReplyCallbackRequest, OmniStatusCallbackRequest};
use smsgate::clickatell::sms_callbacks::types::{SendReplyMessageRequest, SmsStatusCallback};
use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;

pub use openapi::{query_api_openapi, receiver_openapi};

use crate::console::{
    AssetPath, InboundQuery, MessageQuery, MessagesQuery, OutboundQuery, ProvidersQuery, QuarantineQuery, SignInQuery,
};
use crate::extractors::{RawBody, RawQuery};
use crate::views::{
    DeadLettersPage, DeliveryStats, EventsPage, ExportsPage, InboundPage, MessageView, MessagesPage, OptOutView,
    OptOutsPage, OutboundPage, OutboundRequest, OutboundView, Provider, ProvidersPage, QuarantinePage, ReplayRequest,
    ReplayView, Status,
};

/// Tags that say which surface an endpoint belongs to.
pub mod tags {
    /// Provider callbacks: the routes a provider is configured to call.
    pub const CALLBACKS: &str = "callbacks";
    /// The query API under `/v1` (bearer token), and `/metrics`.
    pub const QUERY: &str = "query";
    /// Sending through smsgate: `/v1/outbound` (bearer token), on the
    /// query API's listener.
    pub const OUTBOUND: &str = "outbound";
    /// Exports (events pushed to other services): `/v1/exports` (bearer
    /// token), on the query API's listener.
    pub const EXPORTS: &str = "exports";
    /// `/healthz`, on every listener.
    pub const HEALTH: &str = "health";
    /// The operators' web pages under `/ui/`, on the query API's listener;
    /// unpublished: in no OpenAPI document.
    pub const CONSOLE: &str = "console";
}

/// A console page or redirect: HTML, not part of any OpenAPI document.
pub type ConsoleResponse = Result<http::Response<Body>, HttpError>;

/// The answer to every accepted callback (SmartHive requires it; the other
/// providers only look at the 2xx status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CallbackAck {
    /// Always `ok`.
    pub status: String,
}

impl CallbackAck {
    pub fn ok() -> CallbackAck {
        CallbackAck { status: "ok".into() }
    }
}

/// `/healthz` (`ok`: the process is up and serving) and `/readyz`
/// (`ready`: its store answers too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    pub status: String,
}

/// `GET /v1/messages/{provider}/{message_id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MessagePath {
    /// `clickatell`, `smarthive` or `clearline`.
    pub provider: String,
    pub message_id: String,
}

/// `GET /v1/outbound/{id}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OutboundPath {
    /// The id `POST /v1/outbound` answered with (`ob_...`).
    pub id: String,
}

/// `PUT` and `DELETE /v1/opt-outs/{number}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OptOutPath {
    /// The number, E.164 (`+27820000001`; a number without `+` is read as if it had one).
    pub number: String,
}

/// `/v1/exports/{name}/...`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExportPath {
    /// The export's `name` in the configuration.
    pub name: String,
}

/// The headers `POST /v1/outbound` reads.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OutboundHeaders {
    /// Makes the request safe to repeat: the same key with the same body
    /// returns the message stored the first time (nothing is sent twice);
    /// the same key with another body is a 422. 1 to 255 visible ASCII
    /// characters, e.g. a UUID.
    #[serde(rename = "Idempotency-Key")]
    pub idempotency_key: Option<String>,
}

/// Paging of the feeds.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PageParams {
    /// A `next_cursor` from an earlier page; omitted, from the beginning.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<Limit>,
}

/// A page size from 1 to 1000; anything else is refused with a message
/// saying what is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(transparent)]
pub struct Limit(#[schemars(range(min = 1, max = 1000))] pub u32);

impl Limit {
    pub const DEFAULT: Limit = Limit(100);
    pub const MAX: u32 = 1000;
    const EXPECTED: &str = "limit must be an integer from 1 to 1000 (default 100)";

    fn new(value: u64) -> Option<Limit> {
        (1..=u64::from(Limit::MAX))
            .contains(&value)
            .then_some(Limit(value as u32))
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Limit, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Limit;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(Limit::EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Limit, E> {
                Limit::new(value).ok_or_else(|| E::custom(format!("{}, got {value}", Limit::EXPECTED)))
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Limit, E> {
                Err(E::custom(format!("{}, got {value}", Limit::EXPECTED)))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Limit, E> {
                value
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .and_then(Limit::new)
                    .ok_or_else(|| E::custom(format!("{}, got `{value}`", Limit::EXPECTED)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `GET /v1/messages`: a search's filters (every one given must hold) and
/// its page.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MessageSearchParams {
    /// The provider's message id.
    pub id: Option<String>,
    /// smsgate's outbound id (`ob_...`): the provider messages that carried it.
    pub outbound_id: Option<String>,
    /// The recipient, with or without its leading `+`.
    pub to: Option<String>,
    pub provider: Option<Provider>,
    /// The current status.
    pub status: Option<Status>,
    /// Messages first seen at or after this time (ms since the epoch).
    pub since: Option<Millis>,
    /// Messages first seen before this time (ms since the epoch).
    pub until: Option<Millis>,
    /// A `next_cursor` from an earlier page (with the same filters);
    /// omitted, from the newest message.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<Limit>,
}

/// `GET /v1/stats/delivery`: the window, its buckets, and a provider.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeliveryStatsParams {
    /// Start of the window, ms since the epoch (default: a day before `until`).
    pub since: Option<Millis>,
    /// End of the window, exclusive (default: now).
    pub until: Option<Millis>,
    /// Length of a bucket in ms; at most 1000 buckets (default: the
    /// shortest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 day, 7 days, 30 days
    /// that makes at most 60).
    pub bucket: Option<Millis>,
    /// One provider only (default: every provider).
    pub provider: Option<Provider>,
}

/// A time or a duration in integer milliseconds (times since the epoch,
/// UTC); anything else is refused with a message saying so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(transparent)]
pub struct Millis(pub i64);

impl Millis {
    const EXPECTED: &str = "an integer number of milliseconds (times: since the epoch, UTC)";
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Millis, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Millis;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(Millis::EXPECTED)
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Millis, E> {
                Ok(Millis(value))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Millis, E> {
                i64::try_from(value)
                    .map(Millis)
                    .map_err(|_| E::custom(format!("expected {}, got {value}", Millis::EXPECTED)))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Millis, E> {
                value
                    .trim()
                    .parse::<i64>()
                    .map(Millis)
                    .map_err(|_| E::custom(format!("expected {}, got `{value}`", Millis::EXPECTED)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The receiver: provider callbacks, and the query API for the services that
/// consume what was received. Callback operation ids are the providers' own.
///
/// Every endpoint carries exactly one of the [`tags`], and dropshot refuses
/// the description otherwise: the tag decides which listener serves a route
/// and which document (`openapi/smsgate-api.json` or the whole receiver's)
/// holds it.
#[dropshot::api_description {
    tag_config = {
        allow_other_tags = false,
        policy = dropshot::EndpointTagPolicy::ExactlyOne,
        tags = {
            "callbacks" = { description = "Provider callbacks: the routes a provider is configured to call" },
            "query" = { description = "The query API under /v1 (bearer token), and /metrics" },
            "outbound" = { description = "Sending through smsgate's configured providers and routes (bearer token)" },
            "exports" = { description = "Exports: every stored event pushed to webhooks and NATS JetStream (bearer token)" },
            "health" = { description = "Liveness and readiness, on every listener" },
            "console" = { description = "The operators' web pages under /ui/ (HTML, unpublished)" },
        },
    },
}]
pub trait ReceiverApi {
    type Context;

    /// Clickatell SMS status callback, as query parameters.
    #[endpoint { method = GET, path = "/client-callback/sms-status", operation_id = "sendGetSmsStatusCallback", tags = ["callbacks"] }]
    async fn clickatell_sms_status_get(
        rqctx: RequestContext<Self::Context>,
        query: RawQuery<SmsStatusCallback>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// Clickatell SMS status callback, as JSON.
    #[endpoint { method = POST, path = "/client-callback/sms-status", operation_id = "sendPostSmsStatusCallback", tags = ["callbacks"] }]
    async fn clickatell_sms_status_post(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<SmsStatusCallback>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// Clickatell SMS reply (inbound message), as query parameters.
    #[endpoint { method = GET, path = "/client-callback/sms-reply", operation_id = "sendGetSmsReplyCallback", tags = ["callbacks"] }]
    async fn clickatell_sms_reply_get(
        rqctx: RequestContext<Self::Context>,
        query: RawQuery<SendReplyMessageRequest>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// Clickatell SMS reply (inbound message), as JSON.
    #[endpoint { method = POST, path = "/client-callback/sms-reply", operation_id = "sendPostSmsReplyCallback", tags = ["callbacks"] }]
    async fn clickatell_sms_reply_post(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<SendReplyMessageRequest>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// Clickatell One API status events.
    #[endpoint { method = POST, path = "/client-callback/one-api-status", operation_id = "sendPostOmniStatusCallback", tags = ["callbacks"] }]
    async fn clickatell_one_api_status(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<OmniStatusCallbackRequest>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// Clickatell One API inbound messages.
    #[endpoint { method = POST, path = "/client-callback/one-api-reply", operation_id = "sendPostOmniReplyCallback", tags = ["callbacks"] }]
    async fn clickatell_one_api_reply(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<OmniReplyCallbackRequest>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// SmartHive delivery report.
    #[endpoint { method = POST, path = "/client-callback/smarthive-status", operation_id = "sendSmartHiveStatusCallback", tags = ["callbacks"] }]
    async fn smarthive_status(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<SmartHiveStatusCallback>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// ClearLine delivery status.
    #[endpoint { method = POST, path = "/client-callback/clearline-status", operation_id = "sendClearLineStatusCallback", tags = ["callbacks"] }]
    async fn clearline_status(
        rqctx: RequestContext<Self::Context>,
        body: RawBody<DeliveryStatusCallback>,
    ) -> Result<HttpResponseOk<CallbackAck>, HttpError>;

    /// Liveness, without authentication, on every listener.
    #[endpoint { method = GET, path = "/healthz", operation_id = "healthz", tags = ["health"] }]
    async fn healthz(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Health>, HttpError>;

    /// Readiness, without authentication, on every listener: 200 when the
    /// store answers and its migrations are done, else 503 (take this
    /// replica out of the load balancer; `/healthz` still says it lives).
    #[endpoint { method = GET, path = "/readyz", operation_id = "readyz", tags = ["health"] }]
    async fn readyz(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Health>, HttpError>;

    /// Prometheus metrics (text format), without authentication.
    #[endpoint { method = GET, path = "/metrics", operation_id = "metrics", tags = ["query"] }]
    async fn metrics(rqctx: RequestContext<Self::Context>) -> Result<http::Response<Body>, HttpError>;

    /// An outbound message's current status and its status events in
    /// provider-time order; 404 if unknown.
    #[endpoint { method = GET, path = "/v1/messages/{provider}/{message_id}", operation_id = "getMessage", tags = ["query"] }]
    async fn get_message(
        rqctx: RequestContext<Self::Context>,
        path: Path<MessagePath>,
    ) -> Result<HttpResponseOk<MessageView>, HttpError>;

    /// Outbound messages matching every filter given, newest first (by
    /// `first_seen_at`), a page at a time: `next_cursor` is null on the
    /// last page. Each message's events are in
    /// `/v1/messages/{provider}/{message_id}`. 400 for a bad filter value or
    /// a cursor this store never handed out.
    #[endpoint { method = GET, path = "/v1/messages", operation_id = "searchMessages", tags = ["query"] }]
    async fn search_messages(
        rqctx: RequestContext<Self::Context>,
        query: Query<MessageSearchParams>,
    ) -> Result<HttpResponseOk<MessagesPage>, HttpError>;

    /// Delivery per provider over a window (messages by when smsgate first
    /// saw them), in total and per bucket: counts by current status,
    /// delivery rate (delivered or read over finished), and the delay from
    /// submission to delivery as nearest-rank percentiles p50, p90, p99.
    /// 400 for a window that ends before it starts or has over 1000
    /// buckets.
    #[endpoint { method = GET, path = "/v1/stats/delivery", operation_id = "getDeliveryStats", tags = ["query"] }]
    async fn delivery_stats(
        rqctx: RequestContext<Self::Context>,
        query: Query<DeliveryStatsParams>,
    ) -> Result<HttpResponseOk<DeliveryStats>, HttpError>;

    /// Every stored event once, in commit order, resumable from any cursor.
    #[endpoint { method = GET, path = "/v1/events", operation_id = "listEvents", tags = ["query"] }]
    async fn list_events(
        rqctx: RequestContext<Self::Context>,
        query: Query<PageParams>,
    ) -> Result<HttpResponseOk<EventsPage>, HttpError>;

    /// Inbound messages alone, in commit order.
    #[endpoint { method = GET, path = "/v1/inbound", operation_id = "listInbound", tags = ["query"] }]
    async fn list_inbound(
        rqctx: RequestContext<Self::Context>,
        query: Query<PageParams>,
    ) -> Result<HttpResponseOk<InboundPage>, HttpError>;

    /// Sends a message through the configured providers: `202` with the
    /// stored message (`status: queued`, or `rejected` with the reason for
    /// a text no provider takes) once it is durably stored; it is then
    /// submitted through its route's providers in order, with retries and
    /// failover. `400` for a number that is not E.164, an empty text or an
    /// unknown route; `422` for an idempotency key used with another body;
    /// `503` when nothing could be stored (retry) or sending is not
    /// configured.
    #[endpoint { method = POST, path = "/v1/outbound", operation_id = "sendOutbound", tags = ["outbound"] }]
    async fn send_outbound(
        rqctx: RequestContext<Self::Context>,
        headers: Header<OutboundHeaders>,
        body: TypedBody<OutboundRequest>,
    ) -> Result<HttpResponseAccepted<OutboundView>, HttpError>;

    /// A message sent through smsgate: its status (the provider's, once one
    /// accepted it), every attempt, and the provider's status events; 404
    /// if unknown.
    #[endpoint { method = GET, path = "/v1/outbound/{id}", operation_id = "getOutbound", tags = ["outbound"] }]
    async fn get_outbound(
        rqctx: RequestContext<Self::Context>,
        path: Path<OutboundPath>,
    ) -> Result<HttpResponseOk<OutboundView>, HttpError>;

    /// Messages sent through smsgate, in the order they were accepted.
    #[endpoint { method = GET, path = "/v1/outbound", operation_id = "listOutbound", tags = ["outbound"] }]
    async fn list_outbound(
        rqctx: RequestContext<Self::Context>,
        query: Query<PageParams>,
    ) -> Result<HttpResponseOk<OutboundPage>, HttpError>;

    /// The configured providers, each with this replica's circuit breaker
    /// (`closed`, `open`, `half_open`); 503 when sending is not configured.
    #[endpoint { method = GET, path = "/v1/providers", operation_id = "listProviders", tags = ["outbound"] }]
    async fn list_providers(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<ProvidersPage>, HttpError>;

    /// The numbers no message goes to: opted out by a STOP text (STOPALL,
    /// UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE; any provider) or
    /// through this API, and not opted in again since (START, UNSTOP).
    #[endpoint { method = GET, path = "/v1/opt-outs", operation_id = "listOptOuts", tags = ["outbound"] }]
    async fn list_opt_outs(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<OptOutsPage>, HttpError>;

    /// Opts a number out: messages to it are stored `rejected` with `error: "opted_out"`.
    #[endpoint { method = PUT, path = "/v1/opt-outs/{number}", operation_id = "addOptOut", tags = ["outbound"] }]
    async fn add_opt_out(
        rqctx: RequestContext<Self::Context>,
        path: Path<OptOutPath>,
    ) -> Result<HttpResponseOk<OptOutView>, HttpError>;

    /// Opts a number back in.
    #[endpoint { method = DELETE, path = "/v1/opt-outs/{number}", operation_id = "removeOptOut", tags = ["outbound"] }]
    async fn remove_opt_out(
        rqctx: RequestContext<Self::Context>,
        path: Path<OptOutPath>,
    ) -> Result<HttpResponseDeleted, HttpError>;

    /// Quarantined callbacks (authenticated, but not parseable) with their errors.
    #[endpoint { method = GET, path = "/v1/quarantine", operation_id = "listQuarantine", tags = ["query"] }]
    async fn list_quarantine(rqctx: RequestContext<Self::Context>)
    -> Result<HttpResponseOk<QuarantinePage>, HttpError>;

    /// The console's front door: to the messages page (or to sign in).
    #[endpoint { method = GET, path = "/ui", tags = ["console"], unpublished = true }]
    async fn console_home(rqctx: RequestContext<Self::Context>) -> ConsoleResponse;

    /// The sign-in form.
    #[endpoint { method = GET, path = "/ui/sign-in", tags = ["console"], unpublished = true }]
    async fn console_sign_in_form(rqctx: RequestContext<Self::Context>, query: Query<SignInQuery>) -> ConsoleResponse;

    /// Signs in with the API token (a form body): a session cookie, or the
    /// form again saying the token was wrong.
    #[endpoint { method = POST, path = "/ui/sign-in", tags = ["console"], unpublished = true }]
    async fn console_sign_in(rqctx: RequestContext<Self::Context>, body: UntypedBody) -> ConsoleResponse;

    /// Signs out (a form with the session's CSRF token).
    #[endpoint { method = POST, path = "/ui/sign-out", tags = ["console"], unpublished = true }]
    async fn console_sign_out(rqctx: RequestContext<Self::Context>, body: UntypedBody) -> ConsoleResponse;

    /// Messages: the search form and what it found, newest first.
    #[endpoint { method = GET, path = "/ui/messages", tags = ["console"], unpublished = true }]
    async fn console_messages(rqctx: RequestContext<Self::Context>, query: Query<MessagesQuery>) -> ConsoleResponse;

    /// Providers: delivery rate and delays over a window, plotted.
    #[endpoint { method = GET, path = "/ui/providers", tags = ["console"], unpublished = true }]
    async fn console_providers(rqctx: RequestContext<Self::Context>, query: Query<ProvidersQuery>) -> ConsoleResponse;

    /// One provider message and its timeline.
    #[endpoint { method = GET, path = "/ui/message", tags = ["console"], unpublished = true }]
    async fn console_message(rqctx: RequestContext<Self::Context>, query: Query<MessageQuery>) -> ConsoleResponse;

    /// One message sent through smsgate: attempts and timeline.
    #[endpoint { method = GET, path = "/ui/outbound", tags = ["console"], unpublished = true }]
    async fn console_outbound(rqctx: RequestContext<Self::Context>, query: Query<OutboundQuery>) -> ConsoleResponse;

    /// Inbound messages.
    #[endpoint { method = GET, path = "/ui/inbound", tags = ["console"], unpublished = true }]
    async fn console_inbound(rqctx: RequestContext<Self::Context>, query: Query<InboundQuery>) -> ConsoleResponse;

    /// Exports: each one's state and lag, and its dead letters.
    #[endpoint { method = GET, path = "/ui/exports", tags = ["console"], unpublished = true }]
    async fn console_exports(rqctx: RequestContext<Self::Context>) -> ConsoleResponse;

    /// Quarantined callbacks, with a replay button each.
    #[endpoint { method = GET, path = "/ui/quarantine", tags = ["console"], unpublished = true }]
    async fn console_quarantine(rqctx: RequestContext<Self::Context>, query: Query<QuarantineQuery>)
    -> ConsoleResponse;

    /// Replays one quarantined callback (a form with the session's CSRF token).
    #[endpoint { method = POST, path = "/ui/quarantine/replay", tags = ["console"], unpublished = true }]
    async fn console_replay(rqctx: RequestContext<Self::Context>, body: UntypedBody) -> ConsoleResponse;

    /// The console's stylesheet and script, compiled into the binary.
    #[endpoint { method = GET, path = "/ui/assets/{name}", tags = ["console"], unpublished = true }]
    async fn console_asset(rqctx: RequestContext<Self::Context>, path: Path<AssetPath>) -> ConsoleResponse;

    /// The configured exports: each one's kind, the feed cursor it has
    /// delivered up to, its lag (events stored after it), its state
    /// (`running`, `failing`, `stopped`) and latest error.
    #[endpoint { method = GET, path = "/v1/exports", operation_id = "listExports", tags = ["exports"] }]
    async fn list_exports(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<ExportsPage>, HttpError>;

    /// The events an export gave up on after its last retry, oldest first;
    /// 404 for an export that is not configured.
    #[endpoint { method = GET, path = "/v1/exports/{name}/dead-letters", operation_id = "listDeadLetters", tags = ["exports"] }]
    async fn list_dead_letters(
        rqctx: RequestContext<Self::Context>,
        path: Path<ExportPath>,
    ) -> Result<HttpResponseOk<DeadLettersPage>, HttpError>;

    /// Sends again the stored events received from `since` to `until`
    /// (milliseconds since the epoch; by default from the first event to
    /// now), beside the live feed: `202` once the replay is queued (it is
    /// kept in the store, so it survives a restart). An event a replay
    /// delivers leaves the dead letters. `400` for `since` after `until`,
    /// 404 for an export that is not configured.
    #[endpoint { method = POST, path = "/v1/exports/{name}/replay", operation_id = "replayExport", tags = ["exports"] }]
    async fn replay_export(
        rqctx: RequestContext<Self::Context>,
        path: Path<ExportPath>,
        body: TypedBody<ReplayRequest>,
    ) -> Result<HttpResponseAccepted<ReplayView>, HttpError>;
}
