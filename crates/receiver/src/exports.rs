//! `/v1/exports`: the exports `smsgate serve` runs (`smsgate-export`), their
//! dead letters, and replays. Without `[[exports]]` configured, the list is
//! empty and a named export is 404.

use dropshot::{ClientErrorStatusCode, HttpError, HttpResponseAccepted, HttpResponseOk, RequestContext};
use smsgate_export::ReplayError;
use smsgate_normalize::views::{DeadLettersPage, ExportsPage, ReplayRequest, ReplayView};

use crate::context::ReceiverContext;
use crate::ingest::unavailable;

fn not_configured(name: &str) -> HttpError {
    HttpError::for_not_found(
        None,
        format!("no export named `{name}` is configured: see [[exports]] in the --config file"),
    )
}

pub(crate) async fn list(rqctx: &RequestContext<ReceiverContext>) -> Result<HttpResponseOk<ExportsPage>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let Some(exports) = &ctx.exports else {
        return Ok(HttpResponseOk(ExportsPage { exports: Vec::new() }));
    };
    let page = exports.views(ctx.store.as_ref()).await.map_err(|e| unavailable(&e))?;
    Ok(HttpResponseOk(page))
}

pub(crate) async fn dead_letters(
    rqctx: &RequestContext<ReceiverContext>,
    name: &str,
) -> Result<HttpResponseOk<DeadLettersPage>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let exports = ctx.exports.as_ref().ok_or_else(|| not_configured(name))?;
    match exports.dead_letters(ctx.store.as_ref(), name).await {
        Ok(Some(page)) => Ok(HttpResponseOk(page)),
        Ok(None) => Err(not_configured(name)),
        Err(error) => Err(unavailable(&error)),
    }
}

pub(crate) async fn replay(
    rqctx: &RequestContext<ReceiverContext>,
    name: &str,
    request: ReplayRequest,
) -> Result<HttpResponseAccepted<ReplayView>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_api_token(rqctx)?;
    let exports = ctx.exports.as_ref().ok_or_else(|| not_configured(name))?;
    match exports.replay(ctx.store.as_ref(), name, &request).await {
        Ok(replay) => Ok(HttpResponseAccepted(replay)),
        Err(ReplayError::UnknownExport(_)) => Err(not_configured(name)),
        Err(ReplayError::BadRange(message)) => Err(HttpError::for_client_error(
            None,
            ClientErrorStatusCode::BAD_REQUEST,
            message,
        )),
        Err(ReplayError::Store(error)) => Err(unavailable(&error)),
    }
}
