//! One message sent through smsgate: what was asked (recipient, text,
//! route), each submission attempt with how it ended and why the next one
//! was made (a failover after a provider refused, a reroute after it could
//! not deliver), each linked to the provider message it became, and the
//! providers' events with their delays since acceptance and since the
//! attempt that carried them.

use maud::{Markup, html};
use smsgate_normalize::Provider;
use smsgate_normalize::views::{AttemptOutcome, AttemptView, OutboundView};

use crate::format::{delay_between, message_link, status, text, time};
use crate::layout::{Chrome, Section, page};

/// Why an attempt was made, from the one before it.
fn attempt_kind(previous: Option<&AttemptView>, attempt: &AttemptView) -> &'static str {
    match previous {
        None => "first",
        Some(previous) if previous.outcome == AttemptOutcome::Accepted => "reroute",
        Some(previous) if previous.provider != attempt.provider => "failover",
        Some(_) => "again",
    }
}

/// `provider_of` names the provider id of a provider API (`clickatell-http`
/// is `clickatell`), for the links to the provider messages.
pub fn outbound(csrf: &str, message: &OutboundView, provider_of: impl Fn(&str) -> Option<Provider>) -> Markup {
    let title = format!("Outbound message {}", message.id);
    let chrome = Chrome {
        csrf,
        section: Some(Section::Messages),
    };
    let provider_link = |api: &str, id: Option<&str>| -> Markup {
        match (provider_of(api), id) {
            (Some(provider), Some(id)) => html! { a href=(message_link(provider.as_str(), id)) { code { (id) } } },
            (None, Some(id)) => html! { code { (id) } },
            (_, None) => text(None),
        }
    };
    page(
        &title,
        Some(chrome),
        html! {
            dl.facts {
                dt { "Status" } dd #outbound-status { (status(message.status.as_str())) " since " (time(message.status_at)) }
                @if let Some(error) = &message.error { dt { "Error" } dd { (error) } }
                dt { "To" } dd { (message.to) }
                dt { "From" } dd { (text(message.from.as_deref())) }
                dt { "Route" } dd { (message.route) }
                dt { "Accepted" } dd { (time(Some(message.created_at))) }
                dt { "Segments" } dd { (message.segments) }
                dt { "Reference" } dd { (text(message.reference.as_deref())) }
                dt { "Text" } dd { pre { (message.text) } }
            }
            h2 #attempts-heading { "Attempts" }
            @if message.attempts.is_empty() {
                p.muted { "No attempt yet." }
            } @else {
                div.scroll { table #attempts aria-labelledby="attempts-heading" {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { "Why" } th scope="col" { "Provider" }
                        th scope="col" { "API" } th scope="col" { "Provider message" } th scope="col" { "Submitted" }
                        th scope="col" class="num" { "After acceptance" } th scope="col" { "Outcome" } th scope="col" { "Error" }
                    } }
                    tbody {
                        @for (index, attempt) in message.attempts.iter().enumerate() {
                            tr.attempt data-kind=(attempt_kind(index.checked_sub(1).map(|i| &message.attempts[i]), attempt)) {
                                td.num { (index + 1) }
                                td { (attempt_kind(index.checked_sub(1).map(|i| &message.attempts[i]), attempt)) }
                                td { (attempt.provider) }
                                td { (attempt.api) }
                                td { (provider_link(&attempt.api, attempt.provider_message_id.as_deref())) }
                                td { (time(Some(attempt.submitted_at))) }
                                td.num { (delay_between(Some(message.created_at), Some(attempt.submitted_at))) }
                                td { (status(attempt.outcome.as_str())) }
                                td { (text(attempt.error.as_deref())) }
                            }
                        }
                    }
                } }
            }
            h2 #events-heading { "Timeline" }
            p.muted { "Delays run to the provider's time of each event, or to its receipt when the provider gives no time." }
            @if message.events.is_empty() {
                p.muted { "No provider event yet." }
            } @else {
                div.scroll { table #timeline aria-labelledby="events-heading" {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { "Provider" } th scope="col" { "Status" }
                        th scope="col" { "Raw status" } th scope="col" { "Raw code" } th scope="col" { "Description" }
                        th scope="col" { "Provider time" } th scope="col" { "Received" }
                        th scope="col" class="num" { "Since acceptance" } th scope="col" class="num" { "Since its attempt" }
                    } }
                    tbody {
                        @for (index, event) in message.events.iter().enumerate() {
                            @let attempt = message.attempts.iter().rev().find(|a| a.provider_message_id.as_deref() == Some(event.provider_message_id.as_str()));
                            // The provider's time, else the receipt (ClearLine sends none).
                            @let event_at = event.occurred_at.unwrap_or(event.received_at);
                            tr.event data-status=(event.status.as_str()) {
                                td.num { (index + 1) }
                                td { (event.provider) br; (provider_link(attempt.map_or("", |a| a.api.as_str()), Some(&event.provider_message_id))) }
                                td { (status(event.status.as_str())) }
                                td { (text(event.raw_status.as_deref())) }
                                td { (text(event.raw_code.as_deref())) }
                                td { (text(event.description.as_deref())) }
                                td { (time(event.occurred_at)) }
                                td { (time(Some(event.received_at))) }
                                td.num { (delay_between(Some(message.created_at), Some(event_at))) }
                                td.num { (delay_between(attempt.map(|a| a.submitted_at), Some(event_at))) }
                            }
                        }
                    }
                } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::{OutboundEventView, OutboundStatus, Status};

    fn attempt(provider: &str, api: &str, id: Option<&str>, at: i64, outcome: AttemptOutcome) -> AttemptView {
        AttemptView {
            provider: provider.into(),
            api: api.into(),
            provider_message_id: id.map(str::to_string),
            submitted_at: at,
            outcome,
            error: (outcome == AttemptOutcome::Failed).then(|| "503 after 3 requests".into()),
        }
    }

    #[test]
    fn attempts_say_why_they_were_made_and_link_their_provider_messages() {
        let view = OutboundView {
            id: "ob_1".into(),
            to: "+27820000001".into(),
            from: None,
            text: "hello <there>".into(),
            reference: None,
            route: "za".into(),
            status: OutboundStatus::Delivered,
            status_at: Some(1_700_000_009_000),
            error: None,
            segments: 1,
            created_at: 1_700_000_000_000,
            attempts: vec![
                attempt(
                    "primary",
                    "clickatell-http",
                    None,
                    1_700_000_000_100,
                    AttemptOutcome::Failed,
                ),
                attempt(
                    "backup",
                    "clearline",
                    Some("cl-1"),
                    1_700_000_001_000,
                    AttemptOutcome::Accepted,
                ),
                attempt(
                    "primary",
                    "clickatell",
                    Some("ck/2"),
                    1_700_000_005_000,
                    AttemptOutcome::Accepted,
                ),
            ],
            events: vec![OutboundEventView {
                provider: "primary".into(),
                provider_message_id: "ck/2".into(),
                status: Status::Delivered,
                raw_status: Some("RECEIVED_BY_RECIPIENT".into()),
                raw_code: Some("004".into()),
                description: None,
                occurred_at: Some(1_700_000_009_000),
                received_at: 1_700_000_009_100,
                channel: None,
            }],
        };
        let provider_of = |api: &str| match api {
            "clickatell" | "clickatell-http" => Some(Provider::Clickatell),
            "clearline" => Some(Provider::Clearline),
            _ => None,
        };
        let html = outbound("t", &view, provider_of).into_string();
        let kinds: Vec<&str> = html
            .split("data-kind=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert_eq!(kinds, ["first", "failover", "reroute"]);
        assert!(
            html.contains(r#"href="/ui/message?provider=clearline&amp;id=cl-1""#),
            "{html}"
        );
        assert!(html.contains(r#"href="/ui/message?provider=clickatell&amp;id=ck%2F2""#));
        assert!(html.contains("hello &lt;there&gt;"));
        assert!(
            html.contains("9.000 s") && html.contains("4.000 s"),
            "since acceptance and since its attempt"
        );
    }
}
