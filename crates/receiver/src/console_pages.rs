//! The console's pages: each reads what it shows from the store, through
//! the same store calls as the query API, and hands the views to
//! `smsgate-console` to render. Signing in and out, and the replay button,
//! are the only requests that change anything, and each goes through
//! `console`'s gate first.

use std::str::FromStr;

use dropshot::{Body, RequestContext};
use http::{Response, StatusCode, header};
use smsgate_console::assets::asset as find_asset;
use smsgate_console::format::link;
use smsgate_console::format::parse_local_time;
use smsgate_console::pages;
use smsgate_console::pages::message::MessageContext;
use smsgate_console::pages::messages::SearchForm;
use smsgate_console::pages::providers::{DEFAULT_WINDOW, window_length};
use smsgate_console::pages::quarantine::{Quarantined, ReplayNotice};
use smsgate_console::pages::sign_in::safe_next;
use smsgate_console::session;
use smsgate_normalize::Provider;
use smsgate_normalize::Status;
use smsgate_receiver_api::console::{
    InboundQuery, MessageQuery, MessagesQuery, OutboundQuery, ProvidersQuery, QuarantineQuery,
};
use smsgate_store::{DeliveryWindow, MessageSearch, StoreError, Submission};

use crate::console::{
    Answer, Form, html, not_found, redirect, respond, same_origin, signed_in, signed_in_form, store_failed,
};
use crate::context::ReceiverContext;
use crate::ingest::now_millis;
use crate::quarantine::{self, Replay};

/// Inbound messages on one console page.
const INBOUND_PAGE: usize = 50;
/// Messages on one page of a search.
const MESSAGES_PAGE: usize = 50;

/// Evaluates to what a check of `console` gives, or returns its refusal.
macro_rules! signed_in_or_return {
    ($gate:expr) => {
        match $gate {
            Ok(value) => value,
            Err(answer) => return *answer,
        }
    };
}

/// `/ui`: the messages page.
pub(crate) fn home(rqctx: &RequestContext<ReceiverContext>) -> Answer {
    signed_in_or_return!(signed_in(rqctx));
    redirect("/ui/messages", None)
}

/// The sign-in form (or, already signed in, straight on to `next`).
pub(crate) fn sign_in_form(rqctx: &RequestContext<ReceiverContext>, next: Option<&str>) -> Answer {
    rqctx.context().require_query()?;
    let next = safe_next(next);
    if signed_in(rqctx).is_ok() {
        return redirect(next, None);
    }
    html(StatusCode::OK, pages::sign_in::sign_in(None, next))
}

/// Checks the token of the sign-in form: a session cookie and on to the
/// page asked for, or the form again (401) saying the token was wrong.
pub(crate) fn sign_in(rqctx: &RequestContext<ReceiverContext>, body: &[u8]) -> Answer {
    let ctx = rqctx.context();
    ctx.require_query()?;
    signed_in_or_return!(same_origin(rqctx));
    let form = Form::parse(body);
    let next = safe_next(form.get("next"));
    if !ctx.secrets.api_token_matches(form.get("token").unwrap_or_default()) {
        tracing::warn!("console: sign-in refused (not the API token)");
        let page = pages::sign_in::sign_in(Some("That is not the API token. Try again."), next);
        return html(StatusCode::UNAUTHORIZED, page);
    }
    let now = now_millis();
    let session = ctx.session_key.issue(now);
    tracing::info!("console: signed in");
    redirect(
        next,
        Some(session::set_cookie(&ctx.session_key, &session, now, ctx.https)),
    )
}

/// Drops the session cookie and goes back to the sign-in form.
pub(crate) fn sign_out(rqctx: &RequestContext<ReceiverContext>, body: &[u8]) -> Answer {
    signed_in_or_return!(signed_in_form(rqctx, body));
    redirect("/ui/sign-in", Some(session::clear_cookie(rqctx.context().https)))
}

/// Messages: the search form and the page of messages it finds.
pub(crate) async fn messages(rqctx: &RequestContext<ReceiverContext>, query: MessagesQuery) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let field = |value: Option<String>| value.map(|v| v.trim().to_string()).unwrap_or_default();
    let form = SearchForm {
        id: field(query.id),
        outbound: field(query.outbound),
        to: field(query.to),
        provider: field(query.provider),
        status: field(query.status),
        since: field(query.since),
        until: field(query.until),
        tz: field(query.tz),
    };
    let after = query.after.filter(|a| !a.is_empty());
    let paged = after.is_some();
    let refused = |error: &str| {
        let page = pages::messages::messages(&me.csrf, &form, Err(error), paged);
        html(StatusCode::BAD_REQUEST, page)
    };
    let search = match message_search(&form, after) {
        Ok(search) => search,
        Err(error) => return refused(&error),
    };
    match rqctx.context().store.search_messages(search).await {
        Ok(found) => html(
            StatusCode::OK,
            pages::messages::messages(&me.csrf, &form, Ok(&found), paged),
        ),
        Err(StoreError::BadCursor(_)) => refused("That page link is not valid any more: search again."),
        Err(error) => store_failed(&me.csrf, &error),
    }
}

/// The store's search for what the form says, or what is wrong with it.
fn message_search(form: &SearchForm, after: Option<String>) -> Result<MessageSearch, String> {
    let given = |value: &str| (!value.is_empty()).then(|| value.to_string());
    let provider = match form.provider.as_str() {
        "" => None,
        name => Some(Provider::parse(name).ok_or_else(|| format!("There is no provider `{name}`."))?),
    };
    let status = match form.status.as_str() {
        "" => None,
        name => Some(Status::parse(name).ok_or_else(|| format!("There is no status `{name}`."))?),
    };
    let offset = match form.tz.as_str() {
        "" => 0,
        tz => tz
            .parse::<i64>()
            .ok()
            .filter(|minutes| minutes.abs() <= 24 * 60)
            .ok_or_else(|| format!("`{tz}` is not a time zone offset in minutes."))?,
    };
    let time = |value: &str, name: &str| -> Result<Option<i64>, String> {
        match value {
            "" => Ok(None),
            value => parse_local_time(value, offset)
                .map(Some)
                .ok_or_else(|| format!("`{value}` is not a date and time for {name} (e.g. 2026-12-05T21:30).")),
        }
    };
    Ok(MessageSearch {
        id: given(&form.id),
        outbound_id: given(&form.outbound),
        to: given(&form.to),
        provider,
        status,
        since: time(&form.since, "from")?,
        until: time(&form.until, "until")?,
        after,
        limit: MESSAGES_PAGE,
    })
}

/// Providers: the delivery statistics of the chosen window, and the
/// configured providers' breakers.
pub(crate) async fn providers(rqctx: &RequestContext<ReceiverContext>, query: ProvidersQuery) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let ctx = rqctx.context();
    let key = query
        .window
        .filter(|w| !w.is_empty())
        .unwrap_or(DEFAULT_WINDOW.to_string());
    let Some(length) = window_length(&key) else {
        return not_found(
            &me.csrf,
            &format!("There is no window `{key}`: choose one in the form."),
        );
    };
    let now = now_millis();
    let window = match DeliveryWindow::new(Some(now - length), Some(now), None, None, now) {
        Ok(window) => window,
        Err(error) => return not_found(&me.csrf, &error.to_string()),
    };
    let stats = match ctx.store.delivery_stats(window).await {
        Ok(stats) => stats,
        Err(error) => return store_failed(&me.csrf, &error),
    };
    let configured = ctx.sending.as_ref().map(|sending| sending.providers());
    let page = pages::providers::providers(&me.csrf, &key, &stats, configured.as_ref());
    html(StatusCode::OK, page)
}

/// One provider message: its timeline, when it was submitted, and the
/// outbound message it carried, if smsgate sent it.
pub(crate) async fn message(rqctx: &RequestContext<ReceiverContext>, query: MessageQuery) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let store = &rqctx.context().store;
    let (Some(provider), Some(id)) = (query.provider.as_deref(), query.id.as_deref()) else {
        return not_found(&me.csrf, "Give both a provider and a message id.");
    };
    let missing = || not_found(&me.csrf, &format!("No {provider} message with id {id}."));
    let Some(provider) = Provider::parse(provider) else {
        return missing();
    };
    let message = match store.message(provider, id).await {
        Ok(Some(message)) => message,
        Ok(None) => return missing(),
        Err(error) => return store_failed(&me.csrf, &error),
    };
    let attempt = match store
        .attempt_of(provider, id, message.client_message_id.as_deref())
        .await
    {
        Ok(attempt) => attempt,
        Err(error) => return store_failed(&me.csrf, &error),
    };
    let submitted_at = message
        .events
        .iter()
        .find(|e| e.raw_status.as_deref() == Some(Submission::RAW_STATUS))
        .and_then(|e| e.occurred_at);
    let context = MessageContext {
        submitted_at,
        outbound_id: attempt.as_ref().map(|a| a.id.as_str()),
    };
    html(StatusCode::OK, pages::message::message(&me.csrf, &message, context))
}

/// One message sent through smsgate.
pub(crate) async fn outbound(rqctx: &RequestContext<ReceiverContext>, query: OutboundQuery) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let Some(id) = query.id.as_deref() else {
        return not_found(&me.csrf, "Give an outbound message id (ob_...).");
    };
    match rqctx.context().store.outbound(id).await {
        Ok(Some(message)) => {
            let provider_of = |api: &str| smsgate_send::Route::from_str(api).ok().map(|r| r.provider());
            html(
                StatusCode::OK,
                pages::outbound::outbound(&me.csrf, &message, provider_of),
            )
        }
        Ok(None) => not_found(&me.csrf, &format!("No outbound message with id {id}.")),
        Err(error) => store_failed(&me.csrf, &error),
    }
}

/// A page of inbound messages.
pub(crate) async fn inbound(rqctx: &RequestContext<ReceiverContext>, query: InboundQuery) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    match rqctx.context().store.inbound(after, INBOUND_PAGE).await {
        Ok(page) => {
            let next = (page.messages.len() == INBOUND_PAGE).then_some(page.next_cursor.as_str());
            let html_page = pages::inbound::inbound(&me.csrf, &page.messages, next, after.is_none());
            html(StatusCode::OK, html_page)
        }
        Err(error) => store_failed(&me.csrf, &error),
    }
}

/// The exports and their dead letters (none without `[[exports]]`).
pub(crate) async fn exports(rqctx: &RequestContext<ReceiverContext>) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let ctx = rqctx.context();
    let mut listed = Vec::new();
    if let Some(exports) = &ctx.exports {
        let views = match exports.views(ctx.store.as_ref()).await {
            Ok(page) => page.exports,
            Err(error) => return store_failed(&me.csrf, &error),
        };
        for view in views {
            let dead = match exports.dead_letters(ctx.store.as_ref(), &view.name).await {
                Ok(page) => page.map(|p| p.dead_letters).unwrap_or_default(),
                Err(error) => return store_failed(&me.csrf, &error),
            };
            listed.push((view, dead));
        }
    }
    html(StatusCode::OK, pages::exports::exports(&me.csrf, &listed))
}

/// Quarantined callbacks, with the notice of the replay that came back here.
pub(crate) async fn quarantine(rqctx: &RequestContext<ReceiverContext>, query: QuarantineQuery) -> Answer {
    let me = signed_in_or_return!(signed_in(rqctx));
    let requests = match rqctx.context().store.quarantined_raw().await {
        Ok(requests) => requests,
        Err(error) => return store_failed(&me.csrf, &error),
    };
    let views: Vec<_> = requests.iter().map(|r| r.view()).collect();
    let listed: Vec<Quarantined<'_>> = requests
        .iter()
        .zip(&views)
        .map(|(raw, request)| Quarantined {
            request,
            query: raw.query.as_deref(),
        })
        .collect();
    let notice = replay_notice(&query);
    html(
        StatusCode::OK,
        pages::quarantine::quarantine(&me.csrf, &listed, notice.as_ref()),
    )
}

fn replay_notice(query: &QuarantineQuery) -> Option<ReplayNotice> {
    let number = |value: &Option<String>| value.as_deref().and_then(|v| v.parse().ok());
    if let Some(id) = number(&query.replayed) {
        return Some(ReplayNotice::Replayed {
            id,
            stored: number(&query.stored).map_or(0, |n: i64| n.max(0) as u64),
            duplicates: number(&query.duplicates).map_or(0, |n: i64| n.max(0) as u64),
        });
    }
    if let Some(id) = number(&query.still) {
        return Some(ReplayNotice::StillQuarantined { id });
    }
    number(&query.gone).map(|id| ReplayNotice::Gone { id })
}

/// The replay button: the same replay as `smsgate quarantine replay`, for
/// one request, then back to the list with what it did.
pub(crate) async fn replay(rqctx: &RequestContext<ReceiverContext>, body: &[u8]) -> Answer {
    let (me, form) = signed_in_or_return!(signed_in_form(rqctx, body));
    let Some(id) = form.get("id").and_then(|id| id.trim().parse::<i64>().ok()) else {
        return not_found(&me.csrf, "Give the id of a quarantined request.");
    };
    let store = &rqctx.context().store;
    let requests = match store.quarantined_raw().await {
        Ok(requests) => requests,
        Err(error) => return store_failed(&me.csrf, &error),
    };
    let id_text = id.to_string();
    let Some(request) = requests.iter().find(|r| r.id == id) else {
        return redirect(&link("/ui/quarantine", [("gone", id_text.as_str())]), None);
    };
    let location = match quarantine::replay(store.as_ref(), request).await {
        Ok(Replay::Replayed(outcome)) => {
            tracing::info!(
                id,
                stored = outcome.status_events_stored + outcome.inbound_stored,
                "console: quarantined request replayed"
            );
            let stored = (outcome.status_events_stored + outcome.inbound_stored).to_string();
            let duplicates = outcome.duplicates.to_string();
            link(
                "/ui/quarantine",
                [
                    ("replayed", id_text.as_str()),
                    ("stored", &stored),
                    ("duplicates", &duplicates),
                ],
            )
        }
        Ok(Replay::AlreadyReplayed) => link("/ui/quarantine", [("gone", id_text.as_str())]),
        Ok(Replay::StillQuarantined(_)) => link("/ui/quarantine", [("still", id_text.as_str())]),
        Err(error) => return store_failed(&me.csrf, &error),
    };
    redirect(&location, None)
}

/// The stylesheet or the script (no session needed: the sign-in page uses them).
pub(crate) fn asset(rqctx: &RequestContext<ReceiverContext>, name: &str) -> Answer {
    rqctx.context().require_query()?;
    match find_asset(name) {
        Some(asset) => respond(
            Response::builder().header(header::CONTENT_TYPE, asset.content_type),
            Body::from(asset.body),
        ),
        None => respond(Response::builder().status(StatusCode::NOT_FOUND), Body::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_form_becomes_the_stores_search_or_says_what_is_wrong() {
        let form = SearchForm {
            to: "+27820000001".into(),
            provider: "clickatell".into(),
            status: "delivered".into(),
            since: "2023-11-14T22:13".into(),
            tz: "-120".into(),
            ..SearchForm::default()
        };
        let search = message_search(&form, Some("cursor".into())).unwrap();
        assert_eq!(search.to.as_deref(), Some("+27820000001"));
        assert_eq!(search.provider, Some(Provider::Clickatell));
        assert_eq!(search.status, Some(Status::Delivered));
        assert_eq!(
            search.since,
            Some(1_699_999_980_000 - 2 * 3_600_000),
            "read in the browser's zone"
        );
        assert_eq!(
            (search.id, search.until, search.after.as_deref()),
            (None, None, Some("cursor"))
        );
        let refused = |form: SearchForm| message_search(&form, None).unwrap_err();
        let with = |edit: fn(&mut SearchForm)| {
            let mut form = SearchForm::default();
            edit(&mut form);
            form
        };
        assert!(refused(with(|f| f.provider = "nobody".into())).contains("no provider `nobody`"));
        assert!(refused(with(|f| f.status = "lost".into())).contains("no status `lost`"));
        assert!(refused(with(|f| f.until = "tomorrow".into())).contains("`tomorrow` is not a date and time"));
        assert!(refused(with(|f| f.tz = "9999".into())).contains("not a time zone offset"));
    }

    #[test]
    fn a_replays_notice_comes_back_from_its_query() {
        let query = |pairs: [(&str, &str); 2]| QuarantineQuery {
            replayed: pairs.iter().find(|(k, _)| *k == "replayed").map(|(_, v)| v.to_string()),
            stored: pairs.iter().find(|(k, _)| *k == "stored").map(|(_, v)| v.to_string()),
            duplicates: None,
            still: pairs.iter().find(|(k, _)| *k == "still").map(|(_, v)| v.to_string()),
            gone: None,
        };
        assert_eq!(
            replay_notice(&query([("replayed", "3"), ("stored", "2")])),
            Some(ReplayNotice::Replayed {
                id: 3,
                stored: 2,
                duplicates: 0
            })
        );
        assert_eq!(
            replay_notice(&query([("still", "4"), ("x", "")])),
            Some(ReplayNotice::StillQuarantined { id: 4 })
        );
        assert_eq!(replay_notice(&query([("still", "four"), ("x", "")])), None);
    }
}
