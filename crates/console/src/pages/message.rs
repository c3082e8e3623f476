//! One provider message: its facts, and its timeline with every event both
//! as the provider sent it (raw status, code, description) and normalized,
//! the provider's time beside the time smsgate received it, and the delay
//! since the message was submitted.

use maud::{Markup, html};
use smsgate_normalize::views::MessageView;

use crate::format::{delay_between, outbound_link, status, text, time};
use crate::layout::{Chrome, Section, page};

/// What the page shows besides the message itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageContext<'a> {
    /// When the message was submitted to the provider (its `submitted`
    /// event), if smsgate recorded it.
    pub submitted_at: Option<i64>,
    /// The message sent through smsgate that this provider message carried.
    pub outbound_id: Option<&'a str>,
}

pub fn message(csrf: &str, message: &MessageView, context: MessageContext<'_>) -> Markup {
    let title = format!("{} message {}", message.provider, message.message_id);
    let chrome = Chrome {
        csrf,
        section: Some(Section::Messages),
    };
    page(
        &title,
        Some(chrome),
        html! {
            dl.facts {
                dt { "Status" } dd #message-status { (status(message.status.as_str())) " since " (time(message.status_at)) }
                dt { "Provider" } dd { (message.provider) }
                dt { "Message id" } dd { code { (message.message_id) } }
                dt { "Client message id" } dd { (text(message.client_message_id.as_deref())) }
                dt { "To" } dd { (text(message.to.as_deref())) }
                dt { "From" } dd { (text(message.from.as_deref())) }
                dt { "Submitted" } dd { (time(context.submitted_at)) }
                @if let Some(id) = context.outbound_id {
                    dt { "Sent through smsgate as" } dd { a href=(outbound_link(id)) { code { (id) } } }
                }
            }
            h2 #timeline-heading { "Timeline" }
            p.muted { "Every event in provider-time order (untimed ones last). Delay: from submission to the provider's time of the event (its receipt when the provider gives no time); receipt lag: from the provider's time to smsgate's receipt." }
            div.scroll {
                table #timeline aria-labelledby="timeline-heading" {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { "Status" }
                        th scope="col" { "Raw status" }
                        th scope="col" { "Raw code" }
                        th scope="col" { "Description" }
                        th scope="col" { "Provider time" }
                        th scope="col" { "Received" }
                        th scope="col" class="num" { "Since submission" }
                        th scope="col" class="num" { "Receipt lag" }
                        th scope="col" { "Channel" }
                    } }
                    tbody {
                        @for (index, event) in message.events.iter().enumerate() {
                            tr.event data-status=(event.status.as_str()) {
                                td.num { (index + 1) }
                                td { (status(event.status.as_str())) }
                                td { (text(event.raw_status.as_deref())) }
                                td { (text(event.raw_code.as_deref())) }
                                td { (text(event.description.as_deref())) }
                                td { (time(event.occurred_at)) }
                                td { (time(Some(event.received_at))) }
                                td.num { (delay_between(context.submitted_at, Some(event.occurred_at.unwrap_or(event.received_at)))) }
                                td.num { (delay_between(event.occurred_at, Some(event.received_at))) }
                                td { (text(event.channel.as_deref())) }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::{MessageEventView, Provider, Status};

    fn event(status: Status, raw: &str, at: Option<i64>, received: i64) -> MessageEventView {
        MessageEventView {
            status,
            raw_status: Some(raw.into()),
            raw_code: Some("004".into()),
            description: Some("<b>handset</b>".into()),
            occurred_at: at,
            received_at: received,
            channel: None,
        }
    }

    #[test]
    fn the_timeline_shows_raw_and_normalized_events_with_their_delays() {
        let view = MessageView {
            provider: Provider::Clickatell,
            message_id: "m<1>".into(),
            client_message_id: Some("ob_1".into()),
            to: Some("+27820000001".into()),
            from: None,
            status: Status::Delivered,
            status_at: Some(1_700_000_004_000),
            events: vec![
                event(
                    Status::Accepted,
                    "submitted",
                    Some(1_700_000_000_000),
                    1_700_000_000_000,
                ),
                event(
                    Status::Delivered,
                    "RECEIVED_BY_RECIPIENT",
                    Some(1_700_000_004_000),
                    1_700_000_004_250,
                ),
            ],
        };
        let context = MessageContext {
            submitted_at: Some(1_700_000_000_000),
            outbound_id: Some("ob_1"),
        };
        let html = message("csrf-token", &view, context).into_string();
        assert!(html.contains("clickatell message m&lt;1&gt;"), "escaped title");
        assert!(html.contains("&lt;b&gt;handset&lt;/b&gt;"), "escaped description");
        let delivered = html.find(r#"data-status="delivered""#).unwrap();
        assert!(
            html.find(r#"data-status="accepted""#).unwrap() < delivered,
            "provider-time order"
        );
        assert!(html[delivered..].contains("4.000 s") && html[delivered..].contains("250 ms"));
        assert!(html.contains(r#"href="/ui/outbound?id=ob_1""#));
        assert!(html.contains(r#"name="csrf" value="csrf-token""#), "the sign-out form");
    }
}
