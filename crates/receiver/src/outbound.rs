//! `/v1/outbound`: a message to send is checked (`smsgate-dispatch`'s
//! intake), stored in the outbox through the store's group commit, and
//! answered `202` only once it is on disk; then the dispatcher is woken.
//! Without configured routes, sending answers 503 saying how to configure it.

use dropshot::{ClientErrorStatusCode, HttpError, HttpResponseAccepted, HttpResponseOk, RequestContext};
use smsgate_normalize::views::{OptOutView, OptOutsPage, OutboundPage, OutboundRequest, OutboundView, ProvidersPage};
use smsgate_store::outbox::Enqueued;

use crate::context::ReceiverContext;
use crate::ingest::{now_millis, unavailable};

/// 503, with a message the caller sees (dropshot shows 5xx messages only
/// in its logs by default).
fn not_configured() -> HttpError {
    let message = "sending is not configured: add [providers.NAME] and [[routes]] to the --config file (or a \
                   --routes FILE) and restart smsgate serve; see the README, \"Sending through smsgate\"";
    HttpError {
        status_code: dropshot::ErrorStatusCode::SERVICE_UNAVAILABLE,
        error_code: None,
        external_message: message.into(),
        internal_message: message.into(),
        headers: None,
    }
}

fn bad_request(message: String) -> HttpError {
    HttpError::for_client_error(None, ClientErrorStatusCode::BAD_REQUEST, message)
}

pub(crate) async fn send(
    rqctx: &RequestContext<ReceiverContext>,
    idempotency_key: Option<String>,
    request: OutboundRequest,
) -> Result<HttpResponseAccepted<OutboundView>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let sending = ctx.sending.as_ref().ok_or_else(not_configured)?;
    let mut message = sending
        .config
        .intake(
            &request,
            idempotency_key.as_deref(),
            smsgate_dispatch::new_id(),
            now_millis(),
        )
        .map_err(|bad| bad_request(bad.0))?;
    // A number that opted out gets nothing, from any provider.
    let opted_out = ctx.store.opt_out(&message.to).await.map_err(|e| unavailable(&e))?;
    if message.rejected.is_none() && opted_out.is_some() {
        message.rejected = Some(smsgate_dispatch::OPTED_OUT.into());
    }
    let id = match ctx.store.enqueue_outbound(message).await {
        Ok(Enqueued::New(id)) => {
            sending.wake.notify_one();
            id
        }
        Ok(Enqueued::Repeat(id)) => id,
        Ok(Enqueued::KeyReused) => {
            return Err(HttpError::for_client_error(
                None,
                ClientErrorStatusCode::UNPROCESSABLE_ENTITY,
                "this Idempotency-Key was used with another request: use a new key for a new message".into(),
            ));
        }
        Err(error) => {
            tracing::warn!(%error, "could not store an outbound message; answered 503");
            return Err(unavailable(&error));
        }
    };
    match ctx.store.outbound(&id).await {
        Ok(Some(view)) => Ok(HttpResponseAccepted(view)),
        Ok(None) => Err(HttpError::for_internal_error(format!(
            "stored outbound message {id} cannot be read"
        ))),
        Err(error) => Err(unavailable(&error)),
    }
}

pub(crate) async fn get(
    rqctx: &RequestContext<ReceiverContext>,
    id: &str,
) -> Result<HttpResponseOk<OutboundView>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    match ctx.store.outbound(id).await.map_err(|e| unavailable(&e))? {
        Some(view) => Ok(HttpResponseOk(view)),
        None => Err(HttpError::for_not_found(None, format!("no outbound message {id}"))),
    }
}

/// The configured providers and this replica's breakers.
pub(crate) fn providers(rqctx: &RequestContext<ReceiverContext>) -> Result<HttpResponseOk<ProvidersPage>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let sending = ctx.sending.as_ref().ok_or_else(not_configured)?;
    Ok(HttpResponseOk(sending.providers()))
}

/// A number from a path, in E.164, or a 400 saying what is expected.
fn e164(number: &str) -> Result<String, HttpError> {
    smsgate_normalize::opt_out::e164(number).ok_or_else(|| {
        bad_request(format!(
            "`{number}` is not a phone number: expected E.164, e.g. +27820000001"
        ))
    })
}

pub(crate) async fn opt_outs(
    rqctx: &RequestContext<ReceiverContext>,
) -> Result<HttpResponseOk<OptOutsPage>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let numbers = ctx.store.opt_outs().await.map_err(|e| unavailable(&e))?;
    Ok(HttpResponseOk(OptOutsPage { numbers }))
}

/// Opts `number` out (`opted_out`) or back in; the number's state after.
pub(crate) async fn change_opt_out(
    rqctx: &RequestContext<ReceiverContext>,
    number: &str,
    opted_out: bool,
) -> Result<Option<OptOutView>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let number = e164(number)?;
    let store = &ctx.store;
    store
        .change_opt_out(&number, opted_out, now_millis())
        .await
        .map_err(|e| unavailable(&e))?;
    store.opt_out(&number).await.map_err(|e| unavailable(&e))
}

pub(crate) async fn list(
    rqctx: &RequestContext<ReceiverContext>,
    after: Option<&str>,
    limit: usize,
) -> Result<OutboundPage, smsgate_store::StoreError> {
    rqctx.context().store.outbound_page(after, limit).await
}
