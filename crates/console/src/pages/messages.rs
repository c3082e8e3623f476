//! Messages: a search form (message id, outbound id, number, provider,
//! status, time window) over the store's message search, newest first, a
//! page at a time. The form is a plain GET, so a search is a link that can
//! be bookmarked or shared; the script only adds the browser's time zone,
//! without which the times typed are read as UTC.

use maud::{Markup, html};
use smsgate_normalize::views::{MessagesPage, Provider, Status};

use crate::format::{delay_between, link, message_link, outbound_link, status, text, time};
use crate::layout::{Chrome, Section, page};

/// The search form's fields as typed (each empty when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchForm {
    /// The provider's message id.
    pub id: String,
    /// smsgate's outbound id.
    pub outbound: String,
    /// The recipient's number.
    pub to: String,
    pub provider: String,
    pub status: String,
    /// `datetime-local` values.
    pub since: String,
    pub until: String,
    /// The browser's `getTimezoneOffset()`, empty for UTC.
    pub tz: String,
}

impl SearchForm {
    /// The fields as query parameters (empty ones are left out of links).
    fn params(&self) -> [(&'static str, &str); 8] {
        [
            ("id", &self.id),
            ("outbound", &self.outbound),
            ("to", &self.to),
            ("provider", &self.provider),
            ("status", &self.status),
            ("since", &self.since),
            ("until", &self.until),
            ("tz", &self.tz),
        ]
    }

    /// The link to the page after `cursor`, with the same filters.
    fn page_link(&self, cursor: &str) -> String {
        link("/ui/messages", self.params().into_iter().chain([("after", cursor)]))
    }
}

/// `found`: the page the search found, or `error`, why it could not run.
pub fn messages(csrf: &str, form: &SearchForm, found: Result<&MessagesPage, &str>, paged: bool) -> Markup {
    let chrome = Chrome {
        csrf,
        section: Some(Section::Messages),
    };
    page(
        "Messages",
        Some(chrome),
        html! {
            (search_form(form))
            @match found {
                Err(error) => p.notice.error role="alert" #search-error { (error) },
                Ok(found) => (results(form, found, paged)),
            }
        },
    )
}

fn search_form(form: &SearchForm) -> Markup {
    html! {
        form.search method="get" action="/ui/messages" data-local-times role="search" {
            label { "Message id" input type="search" name="id" value=(form.id); }
            label { "Outbound id" input type="search" name="outbound" value=(form.outbound) placeholder="ob_…"; }
            label { "Number" input type="search" name="to" value=(form.to) inputmode="tel" placeholder="+2782…"; }
            label { "Provider"
                select name="provider" {
                    option value="" { "any" }
                    @for provider in Provider::ALL {
                        option value=(provider.as_str()) selected[form.provider == provider.as_str()] { (provider.as_str()) }
                    }
                }
            }
            label { "Status"
                select name="status" {
                    option value="" { "any" }
                    @for s in Status::ALL {
                        option value=(s.as_str()) selected[form.status == s.as_str()] { (s.as_str()) }
                    }
                }
            }
            label { "First seen from" input type="datetime-local" name="since" value=(form.since) step="1"; }
            label { "until" input type="datetime-local" name="until" value=(form.until) step="1"; }
            input type="hidden" name="tz" value=(form.tz);
            button.primary type="submit" { "Search" }
            a href="/ui/messages" { "Clear" }
        }
    }
}

fn results(form: &SearchForm, found: &MessagesPage, paged: bool) -> Markup {
    html! {
        @if found.messages.is_empty() {
            p #no-messages { "No message matches." }
        } @else {
            div.scroll { table #messages {
                caption.muted { "Newest first, by when smsgate first heard of each message." }
                thead { tr {
                    th scope="col" { "First seen" } th scope="col" { "Provider" } th scope="col" { "Message" }
                    th scope="col" { "To" } th scope="col" { "Status" } th scope="col" { "Submitted" }
                    th scope="col" class="num" { "Delivered after" } th scope="col" { "Sent as" }
                } }
                tbody {
                    @for message in &found.messages {
                        tr.message data-provider=(message.provider.as_str()) data-id=(message.message_id) {
                            td { (time(Some(message.first_seen_at))) }
                            td { (message.provider) }
                            td { a href=(message_link(message.provider.as_str(), &message.message_id)) { code { (message.message_id) } } }
                            td { (text(message.to.as_deref())) }
                            td { (status(message.status.as_str())) br; (time(message.status_at)) }
                            td { (time(message.submitted_at)) }
                            td.num { (delay_between(message.submitted_at, message.delivered_at)) }
                            td {
                                @match message.client_message_id.as_deref() {
                                    Some(id) if id.starts_with("ob_") => a href=(outbound_link(id)) { code { (id) } },
                                    other => (text(other)),
                                }
                            }
                        }
                    }
                }
            } }
        }
        nav.pager aria-label="Pages" {
            @if paged { a href=(link("/ui/messages", form.params())) { "Newest" } }
            @if let Some(cursor) = &found.next_cursor { a rel="next" href=(form.page_link(cursor)) { "Older" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::MessageSummary;

    #[test]
    fn results_link_each_message_and_the_next_page_keeps_the_filters() {
        let form = SearchForm {
            to: "+27820000001".into(),
            status: "delivered".into(),
            ..SearchForm::default()
        };
        let found = MessagesPage {
            messages: vec![MessageSummary {
                provider: Provider::Clickatell,
                message_id: "m/1".into(),
                client_message_id: Some("ob_9".into()),
                to: Some("+27820000001".into()),
                from: None,
                status: Status::Delivered,
                status_at: Some(1_700_000_004_000),
                first_seen_at: 1_700_000_000_000,
                submitted_at: Some(1_700_000_000_000),
                delivered_at: Some(1_700_000_004_000),
            }],
            next_cursor: Some("1700000000000:clickatell:m/1".into()),
        };
        let html = messages("t", &form, Ok(&found), false).into_string();
        assert!(
            html.contains(r#"href="/ui/message?provider=clickatell&amp;id=m%2F1""#),
            "{html}"
        );
        assert!(html.contains(r#"href="/ui/outbound?id=ob_9""#));
        assert!(html.contains("4.000 s"));
        assert!(html.contains(
            r#"href="/ui/messages?to=%2B27820000001&amp;status=delivered&amp;after=1700000000000%3Aclickatell%3Am%2F1""#
        ));
        assert!(html.contains(r#"<option value="delivered" selected>"#));
        let refused = messages("t", &form, Err("unknown provider `x`"), false).into_string();
        assert!(refused.contains("unknown provider `x`"));
    }
}
