//! A server with the receiver's routes that stores nothing: every callback
//! is answered 200 `{"status":"ok"}` without reading its body. It is the
//! baseline of `cargo xtask bench ingest` (what dropshot and the loopback
//! cost on their own), never something to point a provider at.

use std::net::SocketAddr;

use dropshot::{
    Body, Header, HttpError, HttpResponseAccepted, HttpResponseDeleted, HttpResponseOk, HttpServer, Path, Query,
    RequestContext, TypedBody, UntypedBody,
};
use smsgate_http_server::extractors::{RawBody, RawQuery};
use smsgate_receiver_api::console::{
    AssetPath, InboundQuery, MessageQuery, MessagesQuery, OutboundQuery, ProvidersQuery, QuarantineQuery, SignInQuery,
};
use smsgate_receiver_api::views::{
    DeadLettersPage, DeliveryStats, EventsPage, ExportsPage, InboundPage, MessageView, MessagesPage, OptOutView,
    OptOutsPage, OutboundPage, OutboundRequest, OutboundView, ProvidersPage, QuarantinePage, ReplayRequest, ReplayView,
};
use smsgate_receiver_api::{
    CallbackAck, ConsoleResponse, DeliveryStatsParams, ExportPath, Health, MessagePath, MessageSearchParams,
    OptOutPath, OutboundHeaders, OutboundPath, PageParams, ReceiverApi, receiver_api_mod,
};

use smsgate_http_server::start_server;

use crate::server::{Config, StartError};

enum Noop {}

type Ack = Result<HttpResponseOk<CallbackAck>, HttpError>;

fn ok() -> Ack {
    Ok(HttpResponseOk(CallbackAck::ok()))
}

fn nothing_here() -> HttpError {
    HttpError::for_not_found(None, "the no-op server stores nothing".into())
}

impl ReceiverApi for Noop {
    type Context = ();

    async fn clickatell_sms_status_get(
        _rqctx: RequestContext<()>,
        _query: RawQuery<smsgate::clickatell::sms_callbacks::types::SmsStatusCallback>,
    ) -> Ack {
        ok()
    }

    async fn clickatell_sms_status_post(
        _rqctx: RequestContext<()>,
        _body: RawBody<smsgate::clickatell::sms_callbacks::types::SmsStatusCallback>,
    ) -> Ack {
        ok()
    }

    async fn clickatell_sms_reply_get(
        _rqctx: RequestContext<()>,
        _query: RawQuery<smsgate::clickatell::sms_callbacks::types::SendReplyMessageRequest>,
    ) -> Ack {
        ok()
    }

    async fn clickatell_sms_reply_post(
        _rqctx: RequestContext<()>,
        _body: RawBody<smsgate::clickatell::sms_callbacks::types::SendReplyMessageRequest>,
    ) -> Ack {
        ok()
    }

    async fn clickatell_one_api_status(
        _rqctx: RequestContext<()>,
        _body: RawBody<smsgate::clickatell::one_api_callbacks::types::OmniStatusCallbackRequest>,
    ) -> Ack {
        ok()
    }

    async fn clickatell_one_api_reply(
        _rqctx: RequestContext<()>,
        _body: RawBody<smsgate::clickatell::one_api_callbacks::types::OmniReplyCallbackRequest>,
    ) -> Ack {
        ok()
    }

    async fn smarthive_status(
        _rqctx: RequestContext<()>,
        _body: RawBody<smsgate::smarthive::callbacks::types::SmartHiveStatusCallback>,
    ) -> Ack {
        ok()
    }

    async fn clearline_status(
        _rqctx: RequestContext<()>,
        _body: RawBody<smsgate::clearline::callbacks::types::DeliveryStatusCallback>,
    ) -> Ack {
        ok()
    }

    async fn healthz(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<Health>, HttpError> {
        Ok(HttpResponseOk(Health { status: "ok".into() }))
    }
    async fn readyz(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<Health>, HttpError> {
        Ok(HttpResponseOk(Health { status: "ready".into() }))
    }

    async fn metrics(_rqctx: RequestContext<()>) -> Result<http::Response<Body>, HttpError> {
        http::Response::builder()
            .header(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .body(Body::empty())
            .map_err(|e| HttpError::for_internal_error(e.to_string()))
    }

    async fn get_message(
        _rqctx: RequestContext<()>,
        _path: Path<MessagePath>,
    ) -> Result<HttpResponseOk<MessageView>, HttpError> {
        Err(nothing_here())
    }

    async fn search_messages(
        _rqctx: RequestContext<()>,
        _query: Query<MessageSearchParams>,
    ) -> Result<HttpResponseOk<MessagesPage>, HttpError> {
        Err(nothing_here())
    }

    async fn delivery_stats(
        _rqctx: RequestContext<()>,
        _query: Query<DeliveryStatsParams>,
    ) -> Result<HttpResponseOk<DeliveryStats>, HttpError> {
        Err(nothing_here())
    }

    async fn list_events(
        _rqctx: RequestContext<()>,
        _query: Query<PageParams>,
    ) -> Result<HttpResponseOk<EventsPage>, HttpError> {
        Err(nothing_here())
    }

    async fn list_inbound(
        _rqctx: RequestContext<()>,
        _query: Query<PageParams>,
    ) -> Result<HttpResponseOk<InboundPage>, HttpError> {
        Err(nothing_here())
    }

    async fn send_outbound(
        _rqctx: RequestContext<()>,
        _headers: Header<OutboundHeaders>,
        _body: TypedBody<OutboundRequest>,
    ) -> Result<HttpResponseAccepted<OutboundView>, HttpError> {
        Err(nothing_here())
    }

    async fn get_outbound(
        _rqctx: RequestContext<()>,
        _path: Path<OutboundPath>,
    ) -> Result<HttpResponseOk<OutboundView>, HttpError> {
        Err(nothing_here())
    }

    async fn list_outbound(
        _rqctx: RequestContext<()>,
        _query: Query<PageParams>,
    ) -> Result<HttpResponseOk<OutboundPage>, HttpError> {
        Err(nothing_here())
    }

    async fn list_providers(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<ProvidersPage>, HttpError> {
        Err(nothing_here())
    }

    async fn list_opt_outs(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<OptOutsPage>, HttpError> {
        Err(nothing_here())
    }

    async fn add_opt_out(
        _rqctx: RequestContext<()>,
        _path: Path<OptOutPath>,
    ) -> Result<HttpResponseOk<OptOutView>, HttpError> {
        Err(nothing_here())
    }

    async fn remove_opt_out(
        _rqctx: RequestContext<()>,
        _path: Path<OptOutPath>,
    ) -> Result<HttpResponseDeleted, HttpError> {
        Err(nothing_here())
    }

    async fn list_quarantine(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<QuarantinePage>, HttpError> {
        Err(nothing_here())
    }

    async fn console_home(_rqctx: RequestContext<()>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_sign_in_form(_rqctx: RequestContext<()>, _query: Query<SignInQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_sign_in(_rqctx: RequestContext<()>, _body: UntypedBody) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_sign_out(_rqctx: RequestContext<()>, _body: UntypedBody) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_messages(_rqctx: RequestContext<()>, _query: Query<MessagesQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_providers(_rqctx: RequestContext<()>, _query: Query<ProvidersQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_message(_rqctx: RequestContext<()>, _query: Query<MessageQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_outbound(_rqctx: RequestContext<()>, _query: Query<OutboundQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_inbound(_rqctx: RequestContext<()>, _query: Query<InboundQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_exports(_rqctx: RequestContext<()>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_quarantine(_rqctx: RequestContext<()>, _query: Query<QuarantineQuery>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_replay(_rqctx: RequestContext<()>, _body: UntypedBody) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn console_asset(_rqctx: RequestContext<()>, _path: Path<AssetPath>) -> ConsoleResponse {
        Err(nothing_here())
    }

    async fn list_exports(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<ExportsPage>, HttpError> {
        Err(nothing_here())
    }

    async fn list_dead_letters(
        _rqctx: RequestContext<()>,
        _path: Path<ExportPath>,
    ) -> Result<HttpResponseOk<DeadLettersPage>, HttpError> {
        Err(nothing_here())
    }

    async fn replay_export(
        _rqctx: RequestContext<()>,
        _path: Path<ExportPath>,
        _body: TypedBody<ReplayRequest>,
    ) -> Result<HttpResponseAccepted<ReplayView>, HttpError> {
        Err(nothing_here())
    }
}

/// Starts the no-op server on `addr` (port 0: any free port), configured
/// like the receiver (the same `start_server`).
pub async fn start_noop(addr: SocketAddr) -> Result<HttpServer<()>, StartError> {
    let api = receiver_api_mod::api_description::<Noop>().expect("the ReceiverApi trait is valid");
    start_server(api, (), addr, Config::DEFAULT_BODY_LIMIT, None)
}
