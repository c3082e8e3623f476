//! Quarantined callbacks: each raw request (method, path, query, body) with
//! the reason it could not be parsed, and a replay button that parses it
//! again with this version's code, exactly as `smsgate quarantine replay`
//! does. The button is a POST form carrying the session's CSRF token; the
//! result comes back as a notice after a redirect, so reloading the page
//! never replays twice.

use maud::{Markup, html};
use smsgate_normalize::views::QuarantinedRequest;

use crate::format::time;
use crate::layout::{Chrome, Section, csrf_form, page};

/// What the last replay did, shown above the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayNotice {
    /// Request `id` parsed and its events were stored (or were already).
    Replayed { id: i64, stored: u64, duplicates: u64 },
    /// Request `id` still does not parse; it stays quarantined.
    StillQuarantined { id: i64 },
    /// Request `id` is not (or no longer) quarantined.
    Gone { id: i64 },
}

/// A quarantined request with the query string it was stored with.
#[derive(Debug, Clone, Copy)]
pub struct Quarantined<'a> {
    pub request: &'a QuarantinedRequest,
    /// The query string without the callback secret.
    pub query: Option<&'a str>,
}

pub fn quarantine(csrf: &str, requests: &[Quarantined<'_>], notice: Option<&ReplayNotice>) -> Markup {
    let chrome = Chrome {
        csrf,
        section: Some(Section::Quarantine),
    };
    page(
        "Quarantine",
        Some(chrome),
        html! {
            p.muted { "Callbacks that were authenticated but could not be parsed, kept raw and acknowledged. Replay parses one again with this version's parsers; what parses is stored (each event once) and leaves the list." }
            @if let Some(notice) = notice {
                p.notice role="status" #replay-notice {
                    @match notice {
                        ReplayNotice::Replayed { id, stored, duplicates } => {
                            "Request #" (id) " replayed: " (stored) " events stored"
                            @if *duplicates > 0 { ", " (duplicates) " already stored" } "."
                        }
                        ReplayNotice::StillQuarantined { id } => {
                            "Request #" (id) " still does not parse; it stays quarantined."
                        }
                        ReplayNotice::Gone { id } => {
                            "Request #" (id) " is not quarantined (replayed meanwhile?)."
                        }
                    }
                }
            }
            @if requests.is_empty() {
                p #quarantine-empty { "Nothing is quarantined." }
            }
            @for Quarantined { request, query } in requests {
                article.quarantined #{ "quarantined-" (request.id) } data-id=(request.id) aria-labelledby={ "q-" (request.id) } {
                    h2 #{ "q-" (request.id) } { "#" (request.id) " " (request.provider) " " (request.method) " " code { (request.path) } }
                    dl.facts {
                        dt { "Received" } dd { (time(Some(request.received_at))) }
                        dt { "Error" } dd.error { (request.error) }
                        @if let Some(query) = query { dt { "Query" } dd { code { (query) } } }
                    }
                    @if request.body.is_empty() {
                        p.muted { "Empty body." }
                    } @else {
                        pre.body { (request.body) }
                    }
                    (csrf_form("/ui/quarantine/replay", csrf, html! {
                        input type="hidden" name="id" value=(request.id);
                        button type="submit" aria-label={ "Replay request #" (request.id) } { "Replay" }
                    }))
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::Provider;

    #[test]
    fn each_request_shows_its_raw_form_error_and_a_guarded_replay_button() {
        let request = QuarantinedRequest {
            id: 3,
            provider: Provider::Clearline,
            method: "POST".into(),
            path: "/client-callback/clearline-status".into(),
            received_at: 1_700_000_000_000,
            error: "not JSON: <eof>".into(),
            body: "not json {<script>".into(),
        };
        let listed = [Quarantined {
            request: &request,
            query: Some("a=1"),
        }];
        let notice = ReplayNotice::Replayed {
            id: 2,
            stored: 1,
            duplicates: 0,
        };
        let html = quarantine("csrf-1", &listed, Some(&notice)).into_string();
        assert!(html.contains("not json {&lt;script&gt;"));
        assert!(html.contains("not JSON: &lt;eof&gt;"));
        assert!(html.contains(r#"action="/ui/quarantine/replay""#));
        assert_eq!(
            html.matches(r#"name="csrf" value="csrf-1""#).count(),
            2,
            "replay and sign-out"
        );
        assert!(html.contains("Request #2 replayed: 1 events stored."));
        let empty = quarantine("csrf-1", &[], None).into_string();
        assert!(empty.contains("Nothing is quarantined."));
    }
}
