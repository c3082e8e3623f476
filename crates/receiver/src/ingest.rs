//! The path of every callback: surface, secret, size, read, parse, commit, ack.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use dropshot::{ClientErrorStatusCode, HttpError, HttpResponseOk, RequestContext};
use smsgate_callbacks::{Input, Route};
use smsgate_receiver_api::CallbackAck;
use smsgate_store::{Ingest, Parsed, RawRequest};

use crate::body;
use crate::context::ReceiverContext;
use crate::metrics::Outcome;
use crate::secrets::strip_token;

/// What a callback route received, still unread.
pub(crate) enum Payload {
    /// A GET callback: everything is in the query string.
    Query,
    /// A POST callback's body.
    Body(dropshot::Body),
}

/// Seconds a provider should wait before retrying when the store is down.
const RETRY_AFTER_SECONDS: &str = "1";

pub(crate) async fn callback(
    rqctx: &RequestContext<ReceiverContext>,
    route: Route,
    payload: Payload,
) -> Result<HttpResponseOk<CallbackAck>, HttpError> {
    let ctx = rqctx.context();
    ctx.require_callbacks()?;
    let provider = route.provider();
    let request = &rqctx.request;
    let headers = request.headers();
    let query = request.uri().query();
    let authorization = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !ctx.secrets.callback_authorized(query, authorization) {
        ctx.metrics.callback(provider, Outcome::Unauthorized);
        return Err(HttpError::for_client_error(
            None,
            ClientErrorStatusCode::UNAUTHORIZED,
            "missing or wrong callback secret: use the callback URL printed at start-up".into(),
        )
        .with_header(http::header::WWW_AUTHENTICATE, "Basic realm=\"smsgate callbacks\"")
        .expect("a valid header"));
    }
    let stored_query = strip_token(query);
    let (body, from_query) = match payload {
        Payload::Query => (Vec::new(), true),
        Payload::Body(stream) => {
            let read = match body::check_declared_length(headers, ctx.body_limit) {
                Ok(()) => body::read(stream, ctx.body_limit, ctx.body_timeout).await,
                Err(error) => Err(error),
            };
            let body = read.map_err(|error| {
                ctx.metrics.callback(provider, error.outcome());
                HttpError::from(error)
            })?;
            (body, false)
        }
    };
    let input = match from_query {
        true => Input::Query(stored_query.as_deref().unwrap_or_default()),
        false => Input::Body(&body),
    };
    let parsed = match smsgate_callbacks::parse(route, input) {
        Ok(mut callback) => {
            if route == Route::ClearlineStatus {
                link_outbound(stored_query.as_deref(), &mut callback);
            }
            ctx.metrics.ignored(provider, callback.ignored.len());
            Parsed::Events {
                status: callback.status,
                inbound: callback.inbound,
            }
        }
        Err(unparseable) => {
            tracing::warn!(%provider, path = route.path(), error = %unparseable, "quarantined an unparseable callback");
            Parsed::Quarantined { error: unparseable.0 }
        }
    };
    let raw = RawRequest {
        provider,
        method: request.method().to_string(),
        path: route.path().to_string(),
        query: stored_query,
        content_type: headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body,
        received_at: now_millis(),
    };
    let started = Instant::now();
    let committed = ctx.store.ingest(Ingest { raw, parsed }).await;
    ctx.metrics.commit_took(started.elapsed());
    match committed {
        Ok(outcome) => {
            ctx.metrics.stored(
                provider,
                outcome.status_events_stored,
                outcome.inbound_stored,
                outcome.duplicates,
            );
            let stored_nothing_new = outcome.status_events_stored + outcome.inbound_stored == 0;
            let result = match (outcome.quarantined, stored_nothing_new && outcome.duplicates > 0) {
                (true, _) => Outcome::Quarantined,
                (false, true) => Outcome::Duplicate,
                (false, false) => Outcome::Stored,
            };
            ctx.metrics.callback(provider, result);
            Ok(HttpResponseOk(CallbackAck::ok()))
        }
        Err(error) => {
            tracing::warn!(%provider, path = route.path(), %error, "could not store a callback; answered 503");
            ctx.metrics.callback(provider, Outcome::Unavailable);
            Err(unavailable(&error))
        }
    }
}

/// A ClearLine callback to the per-message URL smsgate gave when it sent
/// the message carries the outbound id in the query: the events get it as
/// their client message id, which links them to the outbound message even
/// when the submit answer (with ClearLine's message id) never arrived.
fn link_outbound(query: Option<&str>, callback: &mut smsgate_callbacks::Callback) {
    let Some(id) = query.and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == smsgate_dispatch::OUTBOUND_PARAM)
            .map(|(_, id)| id.into_owned())
    }) else {
        return;
    };
    for event in &mut callback.status {
        event.client_message_id.get_or_insert_with(|| id.clone());
    }
}

/// 503 with `Retry-After`: the provider keeps the event and retries.
pub(crate) fn unavailable(error: &dyn std::fmt::Display) -> HttpError {
    HttpError::for_unavail(None, format!("{error}; retry later"))
        .with_header(http::header::RETRY_AFTER, RETRY_AFTER_SECONDS)
        .expect("a valid header")
}

/// Now, in milliseconds since the epoch.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
