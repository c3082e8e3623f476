//! Inbound messages (replies and other MO messages): who sent what, of
//! which type, answering which message, with the provider's whole payload
//! one click away. Paged through the inbound feed's cursors, so the page
//! is read from the oldest on, as the query API reads it.

use maud::{Markup, html};
use smsgate_normalize::views::InboundView;

use crate::format::{link, text, time};
use crate::layout::{Chrome, Section, page};

/// `messages` is one page of the feed; `next` the cursor of the next page
/// when it holds more, `first` whether this is the first page.
pub fn inbound(csrf: &str, messages: &[InboundView], next: Option<&str>, first: bool) -> Markup {
    let chrome = Chrome {
        csrf,
        section: Some(Section::Inbound),
    };
    page(
        "Inbound messages",
        Some(chrome),
        html! {
            @if messages.is_empty() {
                p.muted #no-inbound { "No inbound message" @if !first { " after this point" } "." }
            } @else {
                div.scroll { table #inbound {
                    thead { tr {
                        th scope="col" { "Received" } th scope="col" { "Provider" } th scope="col" { "From" }
                        th scope="col" { "To" } th scope="col" { "Type" } th scope="col" { "Text" }
                        th scope="col" { "Answers" } th scope="col" { "Payload" }
                    } }
                    tbody {
                        @for message in messages {
                            tr.inbound data-type=(message.kind.as_str()) {
                                td { (time(Some(message.received_at))) br; span.muted { "sent " (time(message.occurred_at)) } }
                                td { (message.provider) br; code.muted { (message.message_id) } }
                                td { (text(message.from.as_deref())) }
                                td { (text(message.to.as_deref())) }
                                td { (message.kind.as_str()) @if let Some(channel) = &message.channel { br; span.muted { (channel) } } }
                                td { (text(message.text.as_deref())) }
                                td {
                                    @match &message.related_message_id {
                                        Some(id) => a href=(link("/ui/messages", [("id", id.as_str())])) { code { (id) } },
                                        None => (text(None)),
                                    }
                                }
                                td { details { summary { "JSON" } pre { (serde_json::to_string_pretty(&message.payload).unwrap_or_default()) } } }
                            }
                        }
                    }
                } }
            }
            nav.pager aria-label="Pages" {
                @if !first { a href="/ui/inbound" { "First page" } }
                @if let Some(next) = next { a rel="next" href=(link("/ui/inbound", [("after", next)])) { "Next page" } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::{InboundType, Provider};

    #[test]
    fn inbound_messages_show_type_text_and_the_message_they_answer() {
        let message = InboundView {
            cursor: "7".into(),
            provider: Provider::Clickatell,
            message_id: "in-1".into(),
            related_message_id: Some("out 1".into()),
            from: Some("+27820000001".into()),
            to: Some("12345".into()),
            channel: Some("sms".into()),
            kind: InboundType::Text,
            text: Some("Yes <please>".into()),
            occurred_at: None,
            received_at: 1_700_000_000_000,
            payload: serde_json::json!({"text": "Yes <please>"}),
        };
        let html = inbound("t", &[message], Some("7"), true).into_string();
        assert!(html.contains(r#"data-type="text""#));
        assert!(html.contains("Yes &lt;please&gt;"));
        assert!(html.contains(r#"href="/ui/messages?id=out+1""#));
        assert!(html.contains(r#"href="/ui/inbound?after=7""#));
        assert!(!html.contains("First page"));
    }
}
