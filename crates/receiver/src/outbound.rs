//! `/v1/outbound`: a message to send is checked (`smsgate-dispatch`'s
//! intake), stored in the outbox through the store's group commit, and
//! answered `202` only once it is on disk; then the dispatcher is woken.
//! Without configured routes, sending answers 503 saying how to configure it.

use std::time::{SystemTime, UNIX_EPOCH};

use dropshot::{ClientErrorStatusCode, HttpError, HttpResponseAccepted, HttpResponseOk, RequestContext};
use smsgate_normalize::views::{OutboundPage, OutboundRequest, OutboundView, ProvidersPage};
use smsgate_store::outbox::Enqueued;

use crate::context::ReceiverContext;
use crate::ingest::unavailable;

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
    let message = sending
        .config
        .intake(
            &request,
            idempotency_key.as_deref(),
            smsgate_dispatch::new_id(),
            now_millis(),
        )
        .map_err(|bad| bad_request(bad.0))?;
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

pub(crate) async fn list(
    rqctx: &RequestContext<ReceiverContext>,
    after: Option<&str>,
    limit: usize,
) -> Result<OutboundPage, smsgate_store::StoreError> {
    rqctx.context().store.outbound_page(after, limit).await
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
