//! The console's gate: which requests are signed in, what a form must carry
//! to change anything, and how pages go out. The pages themselves are
//! rendered by `smsgate-console` (`console_pages` reads the store for them).
//!
//! - A page without a valid session cookie redirects to the sign-in form,
//!   with the page to come back to (never the token) in the URL.
//! - A POST must come from a page of this console: its form carries the
//!   session's CSRF token, and a browser's `Origin`, when it sends one,
//!   must be this host. Either failing is a 403 that changes nothing.
//! - Every answer carries the console's security headers (nothing loads
//!   from elsewhere, no framing, no `Referer`) and is never cached.

use dropshot::{Body, HttpError, RequestContext};
use http::{HeaderValue, Response, StatusCode, header};
use maud::Markup;
use smsgate_console::assets::SECURITY_HEADERS;
use smsgate_console::format::link;
use smsgate_console::pages::error::error_page;
use smsgate_console::session::{self, CSRF_FIELD, Session};
use smsgate_store::StoreError;

use crate::context::ReceiverContext;
use crate::ingest::now_millis;

/// A console answer: a page, or a redirect.
pub(crate) type Answer = Result<Response<Body>, HttpError>;

/// What a check gives: `T`, or the answer refusing the request (boxed: an
/// answer is large beside what the checks give).
pub(crate) type Gate<T> = Result<T, Box<Answer>>;

/// A signed-in request: its session and the CSRF token its forms carry.
pub(crate) struct SignedIn {
    pub(crate) session: Session,
    pub(crate) csrf: String,
}

/// `status` with the HTML of `page`.
pub(crate) fn html(status: StatusCode, page: Markup) -> Answer {
    respond(
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8"),
        page.into_string().into(),
    )
}

/// A `303 See Other` to `location`, setting `cookie` if given.
pub(crate) fn redirect(location: &str, cookie: Option<String>) -> Answer {
    let mut builder = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location);
    if let Some(cookie) = cookie {
        builder = builder.header(header::SET_COOKIE, cookie);
    }
    respond(builder, Body::empty())
}

/// `builder` with the security headers, never cached, and `body`.
pub(crate) fn respond(mut builder: http::response::Builder, body: Body) -> Answer {
    for (name, value) in SECURITY_HEADERS {
        builder = builder.header(name, value);
    }
    builder
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .map_err(|e| HttpError::for_internal_error(e.to_string()))
}

/// The request's session, or the redirect to the sign-in form (which comes
/// back here afterwards). Only on the query API's listener.
pub(crate) fn signed_in(rqctx: &RequestContext<ReceiverContext>) -> Gate<SignedIn> {
    let ctx = rqctx.context();
    ctx.require_query().map_err(|error| Box::new(Err(error)))?;
    let cookies = rqctx
        .request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let session = session::cookie_from_headers(cookies).and_then(|cookie| ctx.session_key.verify(cookie, now_millis()));
    match session {
        Some(session) => {
            let csrf = ctx.session_key.csrf_token(&session);
            Ok(SignedIn { session, csrf })
        }
        None => {
            // Back to this page after signing in; a form's POST has no
            // page to come back to.
            let uri = rqctx.request.uri();
            let here = match uri.path_and_query() {
                Some(here) if rqctx.request.method() == http::Method::GET => here.as_str(),
                _ => "/ui/messages",
            };
            Err(Box::new(redirect(&link("/ui/sign-in", [("next", here)]), None)))
        }
    }
}

/// A form's fields, in order.
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A signed-in POST whose form carries the session's CSRF token and that
/// comes from this host; else the answer refusing it (the sign-in redirect,
/// or 403).
pub(crate) fn signed_in_form(rqctx: &RequestContext<ReceiverContext>, body: &[u8]) -> Gate<(SignedIn, Form)> {
    let signed_in = signed_in(rqctx)?;
    same_origin(rqctx)?;
    let form = Form::parse(body);
    let token = form.get(CSRF_FIELD).unwrap_or_default();
    if !rqctx.context().session_key.csrf_matches(&signed_in.session, token) {
        tracing::warn!(
            path = rqctx.request.uri().path(),
            "console: a form without its session's CSRF token refused"
        );
        return Err(Box::new(forbidden(
            "This form did not come from your console session (its security token is missing or stale). \
             Reload the page and try again.",
        )));
    }
    Ok((signed_in, form))
}

/// A POST whose `Origin` (sent by browsers) names another host is refused.
pub(crate) fn same_origin(rqctx: &RequestContext<ReceiverContext>) -> Gate<()> {
    let headers = rqctx.request.headers();
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    if host.is_some() && origin_host == host {
        return Ok(());
    }
    tracing::warn!(%origin, "console: a form posted from another origin refused");
    Err(Box::new(forbidden(
        "This form was posted from another site; nothing was changed.",
    )))
}

fn forbidden(message: &str) -> Answer {
    html(StatusCode::FORBIDDEN, error_page(None, "Refused", message))
}

/// A page saying why the store could not answer, with its status.
pub(crate) fn store_failed(csrf: &str, error: &StoreError) -> Answer {
    let (status, title) = match error {
        StoreError::BadCursor(_) => (StatusCode::BAD_REQUEST, "Bad page link"),
        StoreError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "Store unavailable"),
        StoreError::Other(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Store error"),
    };
    let mut answer = html(status, error_page(Some(csrf), title, &error.to_string()))?;
    if status == StatusCode::SERVICE_UNAVAILABLE {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    Ok(answer)
}

/// A page saying `what` was not found (404).
pub(crate) fn not_found(csrf: &str, what: &str) -> Answer {
    html(StatusCode::NOT_FOUND, error_page(Some(csrf), "Not found", what))
}
