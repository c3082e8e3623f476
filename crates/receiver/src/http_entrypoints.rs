//! The [`ReceiverApi`] implementation: callback routes hand over to
//! [`ingest::callback`]; query routes check the bearer token and read the store.

use dropshot::{
    Body, ClientErrorStatusCode, Header, HttpError, HttpResponseAccepted, HttpResponseDeleted, HttpResponseOk, Path,
    Query, RequestContext, TypedBody, UntypedBody,
};
use smsgate_callbacks::Route;
use smsgate_normalize::Provider;
use smsgate_receiver_api::console::{
    AssetPath, InboundQuery, MessageQuery, MessagesQuery, OutboundQuery, ProvidersQuery, QuarantineQuery, SignInQuery,
};
use smsgate_receiver_api::extractors::{RawBody, RawQuery};
use smsgate_receiver_api::views::{
    DeadLettersPage, DeliveryStats, EventsPage, ExportsPage, InboundPage, MessageView, MessagesPage, OptOutView,
    OptOutsPage, OutboundPage, OutboundRequest, OutboundView, ProvidersPage, QuarantinePage, ReplayRequest, ReplayView,
};
use smsgate_receiver_api::{
    CallbackAck, ConsoleResponse, DeliveryStatsParams, ExportPath, Health, Limit, MessagePath, MessageSearchParams,
    OptOutPath, OutboundHeaders, OutboundPath, PageParams, ReceiverApi,
};
use smsgate_store::{DeliveryWindow, MessageSearch, StoreError};

use crate::console_pages;
use crate::context::ReceiverContext;
use crate::ingest::{self, Payload, now_millis};
use crate::{exports, outbound};

/// The receiver's implementation of [`ReceiverApi`] (its context is
/// [`ReceiverContext`]).
pub(crate) enum ReceiverImpl {}

type Ack = Result<HttpResponseOk<CallbackAck>, HttpError>;

impl ReceiverApi for ReceiverImpl {
    type Context = ReceiverContext;

    async fn clickatell_sms_status_get(
        rqctx: RequestContext<ReceiverContext>,
        _query: RawQuery<smsgate::clickatell::sms_callbacks::types::SmsStatusCallback>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClickatellSmsStatus, Payload::Query).await
    }

    async fn clickatell_sms_status_post(
        rqctx: RequestContext<ReceiverContext>,
        body: RawBody<smsgate::clickatell::sms_callbacks::types::SmsStatusCallback>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClickatellSmsStatus, Payload::Body(body.body)).await
    }

    async fn clickatell_sms_reply_get(
        rqctx: RequestContext<ReceiverContext>,
        _query: RawQuery<smsgate::clickatell::sms_callbacks::types::SendReplyMessageRequest>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClickatellSmsReply, Payload::Query).await
    }

    async fn clickatell_sms_reply_post(
        rqctx: RequestContext<ReceiverContext>,
        body: RawBody<smsgate::clickatell::sms_callbacks::types::SendReplyMessageRequest>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClickatellSmsReply, Payload::Body(body.body)).await
    }

    async fn clickatell_one_api_status(
        rqctx: RequestContext<ReceiverContext>,
        body: RawBody<smsgate::clickatell::one_api_callbacks::types::OmniStatusCallbackRequest>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClickatellOneApiStatus, Payload::Body(body.body)).await
    }

    async fn clickatell_one_api_reply(
        rqctx: RequestContext<ReceiverContext>,
        body: RawBody<smsgate::clickatell::one_api_callbacks::types::OmniReplyCallbackRequest>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClickatellOneApiReply, Payload::Body(body.body)).await
    }

    async fn smarthive_status(
        rqctx: RequestContext<ReceiverContext>,
        body: RawBody<smsgate::smarthive::callbacks::types::SmartHiveStatusCallback>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::SmarthiveStatus, Payload::Body(body.body)).await
    }

    async fn clearline_status(
        rqctx: RequestContext<ReceiverContext>,
        body: RawBody<smsgate::clearline::callbacks::types::DeliveryStatusCallback>,
    ) -> Ack {
        ingest::callback(&rqctx, Route::ClearlineStatus, Payload::Body(body.body)).await
    }

    async fn healthz(_rqctx: RequestContext<ReceiverContext>) -> Result<HttpResponseOk<Health>, HttpError> {
        Ok(HttpResponseOk(Health { status: "ok".into() }))
    }

    async fn readyz(rqctx: RequestContext<ReceiverContext>) -> Result<HttpResponseOk<Health>, HttpError> {
        match rqctx.context().store.ready().await {
            Ok(()) => Ok(HttpResponseOk(Health { status: "ready".into() })),
            Err(error) => Err(HttpError::for_unavail(None, format!("not ready: {error}"))),
        }
    }

    async fn metrics(rqctx: RequestContext<ReceiverContext>) -> Result<http::Response<Body>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_query()?;
        if let Some(sending) = &ctx.sending {
            ctx.metrics
                .breakers(&sending.breakers.states(std::time::Instant::now()));
        }
        if let Some(exports) = &ctx.exports {
            // Sets the lag gauges; a store that cannot answer leaves the last values.
            let _ = exports.views(ctx.store.as_ref()).await;
        }
        http::Response::builder()
            .header(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .body(ctx.metrics.render().into())
            .map_err(|e| HttpError::for_internal_error(e.to_string()))
    }

    async fn get_message(
        rqctx: RequestContext<ReceiverContext>,
        path: Path<MessagePath>,
    ) -> Result<HttpResponseOk<MessageView>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_api_token(&rqctx)?;
        let MessagePath { provider, message_id } = path.into_inner();
        let not_found = || HttpError::for_not_found(None, format!("no message {message_id} from provider {provider}"));
        let Some(provider) = Provider::parse(&provider) else {
            return Err(not_found());
        };
        match ctx.store.message(provider, &message_id).await.map_err(store_error)? {
            Some(message) => Ok(HttpResponseOk(message)),
            None => Err(not_found()),
        }
    }

    async fn search_messages(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<MessageSearchParams>,
    ) -> Result<HttpResponseOk<MessagesPage>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_api_token(&rqctx)?;
        let q = query.into_inner();
        let search = MessageSearch {
            id: q.id,
            outbound_id: q.outbound_id,
            to: q.to,
            provider: q.provider,
            status: q.status,
            since: q.since.map(|t| t.0),
            until: q.until.map(|t| t.0),
            after: q.after,
            limit: page_size(q.limit),
        };
        let page = ctx.store.search_messages(search).await.map_err(store_error)?;
        Ok(HttpResponseOk(page))
    }

    async fn delivery_stats(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<DeliveryStatsParams>,
    ) -> Result<HttpResponseOk<DeliveryStats>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_api_token(&rqctx)?;
        let q = query.into_inner();
        let window = DeliveryWindow::new(
            q.since.map(|t| t.0),
            q.until.map(|t| t.0),
            q.bucket.map(|t| t.0),
            q.provider,
            now_millis(),
        )
        .map_err(|error| bad_request(error.to_string()))?;
        let stats = ctx.store.delivery_stats(window).await.map_err(store_error)?;
        Ok(HttpResponseOk(stats))
    }

    async fn list_events(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<PageParams>,
    ) -> Result<HttpResponseOk<EventsPage>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_api_token(&rqctx)?;
        let PageParams { after, limit } = query.into_inner();
        let page = ctx
            .store
            .events(after.as_deref(), page_size(limit))
            .await
            .map_err(store_error)?;
        Ok(HttpResponseOk(page))
    }

    async fn list_inbound(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<PageParams>,
    ) -> Result<HttpResponseOk<InboundPage>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_api_token(&rqctx)?;
        let PageParams { after, limit } = query.into_inner();
        let page = ctx
            .store
            .inbound(after.as_deref(), page_size(limit))
            .await
            .map_err(store_error)?;
        Ok(HttpResponseOk(page))
    }

    async fn send_outbound(
        rqctx: RequestContext<ReceiverContext>,
        headers: Header<OutboundHeaders>,
        body: TypedBody<OutboundRequest>,
    ) -> Result<HttpResponseAccepted<OutboundView>, HttpError> {
        outbound::send(&rqctx, headers.into_inner().idempotency_key, body.into_inner()).await
    }

    async fn get_outbound(
        rqctx: RequestContext<ReceiverContext>,
        path: Path<OutboundPath>,
    ) -> Result<HttpResponseOk<OutboundView>, HttpError> {
        outbound::get(&rqctx, &path.into_inner().id).await
    }

    async fn list_outbound(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<PageParams>,
    ) -> Result<HttpResponseOk<OutboundPage>, HttpError> {
        rqctx.context().require_api_token(&rqctx)?;
        let PageParams { after, limit } = query.into_inner();
        let page = outbound::list(&rqctx, after.as_deref(), page_size(limit))
            .await
            .map_err(store_error)?;
        Ok(HttpResponseOk(page))
    }

    async fn list_providers(
        rqctx: RequestContext<ReceiverContext>,
    ) -> Result<HttpResponseOk<ProvidersPage>, HttpError> {
        outbound::providers(&rqctx)
    }

    async fn list_opt_outs(rqctx: RequestContext<ReceiverContext>) -> Result<HttpResponseOk<OptOutsPage>, HttpError> {
        outbound::opt_outs(&rqctx).await
    }

    async fn add_opt_out(
        rqctx: RequestContext<ReceiverContext>,
        path: Path<OptOutPath>,
    ) -> Result<HttpResponseOk<OptOutView>, HttpError> {
        let number = path.into_inner().number;
        match outbound::change_opt_out(&rqctx, &number, true).await? {
            Some(opt_out) => Ok(HttpResponseOk(opt_out)),
            None => Err(HttpError::for_internal_error(format!(
                "{number} was opted out but reads as opted in"
            ))),
        }
    }

    async fn remove_opt_out(
        rqctx: RequestContext<ReceiverContext>,
        path: Path<OptOutPath>,
    ) -> Result<HttpResponseDeleted, HttpError> {
        outbound::change_opt_out(&rqctx, &path.into_inner().number, false).await?;
        Ok(HttpResponseDeleted())
    }

    async fn list_quarantine(
        rqctx: RequestContext<ReceiverContext>,
    ) -> Result<HttpResponseOk<QuarantinePage>, HttpError> {
        let ctx = rqctx.context();
        ctx.require_api_token(&rqctx)?;
        let requests = ctx.store.quarantined().await.map_err(store_error)?;
        Ok(HttpResponseOk(QuarantinePage { requests }))
    }

    async fn console_home(rqctx: RequestContext<ReceiverContext>) -> ConsoleResponse {
        console_pages::home(&rqctx)
    }

    async fn console_sign_in_form(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<SignInQuery>,
    ) -> ConsoleResponse {
        console_pages::sign_in_form(&rqctx, query.into_inner().next.as_deref())
    }

    async fn console_sign_in(rqctx: RequestContext<ReceiverContext>, body: UntypedBody) -> ConsoleResponse {
        console_pages::sign_in(&rqctx, body.as_bytes())
    }

    async fn console_sign_out(rqctx: RequestContext<ReceiverContext>, body: UntypedBody) -> ConsoleResponse {
        console_pages::sign_out(&rqctx, body.as_bytes())
    }

    async fn console_messages(rqctx: RequestContext<ReceiverContext>, query: Query<MessagesQuery>) -> ConsoleResponse {
        console_pages::messages(&rqctx, query.into_inner()).await
    }

    async fn console_providers(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<ProvidersQuery>,
    ) -> ConsoleResponse {
        console_pages::providers(&rqctx, query.into_inner()).await
    }

    async fn console_message(rqctx: RequestContext<ReceiverContext>, query: Query<MessageQuery>) -> ConsoleResponse {
        console_pages::message(&rqctx, query.into_inner()).await
    }

    async fn console_outbound(rqctx: RequestContext<ReceiverContext>, query: Query<OutboundQuery>) -> ConsoleResponse {
        console_pages::outbound(&rqctx, query.into_inner()).await
    }

    async fn console_inbound(rqctx: RequestContext<ReceiverContext>, query: Query<InboundQuery>) -> ConsoleResponse {
        console_pages::inbound(&rqctx, query.into_inner()).await
    }

    async fn console_exports(rqctx: RequestContext<ReceiverContext>) -> ConsoleResponse {
        console_pages::exports(&rqctx).await
    }

    async fn console_quarantine(
        rqctx: RequestContext<ReceiverContext>,
        query: Query<QuarantineQuery>,
    ) -> ConsoleResponse {
        console_pages::quarantine(&rqctx, query.into_inner()).await
    }

    async fn console_replay(rqctx: RequestContext<ReceiverContext>, body: UntypedBody) -> ConsoleResponse {
        console_pages::replay(&rqctx, body.as_bytes()).await
    }

    async fn console_asset(rqctx: RequestContext<ReceiverContext>, path: Path<AssetPath>) -> ConsoleResponse {
        console_pages::asset(&rqctx, &path.into_inner().name)
    }

    async fn list_exports(rqctx: RequestContext<ReceiverContext>) -> Result<HttpResponseOk<ExportsPage>, HttpError> {
        exports::list(&rqctx).await
    }

    async fn list_dead_letters(
        rqctx: RequestContext<ReceiverContext>,
        path: Path<ExportPath>,
    ) -> Result<HttpResponseOk<DeadLettersPage>, HttpError> {
        exports::dead_letters(&rqctx, &path.into_inner().name).await
    }

    async fn replay_export(
        rqctx: RequestContext<ReceiverContext>,
        path: Path<ExportPath>,
        body: TypedBody<ReplayRequest>,
    ) -> Result<HttpResponseAccepted<ReplayView>, HttpError> {
        exports::replay(&rqctx, &path.into_inner().name, body.into_inner()).await
    }
}

fn page_size(limit: Option<Limit>) -> usize {
    limit.unwrap_or(Limit::DEFAULT).0 as usize
}

fn bad_request(message: String) -> HttpError {
    HttpError::for_client_error(None, ClientErrorStatusCode::BAD_REQUEST, message)
}

fn store_error(error: StoreError) -> HttpError {
    match error {
        StoreError::BadCursor(_) => bad_request(error.to_string()),
        StoreError::Unavailable(_) => ingest::unavailable(&error),
        StoreError::Other(_) => HttpError::for_internal_error(error.to_string()),
    }
}
