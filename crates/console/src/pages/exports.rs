//! Exports: each `[[exports]]` entry's state, how far it has come (its
//! feed cursor and the events stored after it, its lag) and its latest
//! error, then the events it gave up on (its dead letters), each linked to
//! its message. Replays stay with the API and the CLI, which take a time
//! range.

use maud::{Markup, html};
use smsgate_normalize::views::{DeadLetterView, ExportState, ExportView};

use crate::format::{badge, message_link, text, time};
use crate::layout::{Chrome, Section, page};

/// Dead letters listed per export; the rest are counted.
pub const DEAD_LETTERS_SHOWN: usize = 100;

/// `exports`, each with its dead letters (oldest first).
pub fn exports(csrf: &str, exports: &[(ExportView, Vec<DeadLetterView>)]) -> Markup {
    let chrome = Chrome {
        csrf,
        section: Some(Section::Exports),
    };
    page(
        "Exports",
        Some(chrome),
        html! {
            @if exports.is_empty() {
                p.muted #no-exports { "No export is configured: see " code { "[[exports]]" } " in the README." }
            } @else {
                div.scroll { table #exports {
                    thead { tr {
                        th scope="col" { "Export" } th scope="col" { "Kind" } th scope="col" { "State" }
                        th scope="col" { "Cursor" } th scope="col" { "Lag" } th scope="col" { "Dead letters" }
                        th scope="col" { "Latest error" }
                    } }
                    tbody {
                        @for (export, dead) in exports {
                            tr.export data-name=(export.name) data-lag=(export.lag) data-dead-letters=(dead.len()) {
                                th scope="row" { (export.name) }
                                td { (export.kind) }
                                td { (state(export.state)) }
                                td { (text(export.cursor.as_deref())) }
                                td { (export.lag) }
                                td { (dead.len()) }
                                td { (text(export.last_error.as_deref())) }
                            }
                        }
                    }
                } }
                @for (export, dead) in exports.iter().filter(|(_, dead)| !dead.is_empty()) {
                    section.dead-letters data-export=(export.name) {
                        h2 { "Dead letters of " (export.name) }
                        div.scroll { table {
                            thead { tr {
                                th scope="col" { "Given up" } th scope="col" { "Event" } th scope="col" { "Message" }
                                th scope="col" { "Tries" } th scope="col" { "Last error" }
                            } }
                            tbody {
                                @for letter in dead.iter().take(DEAD_LETTERS_SHOWN) {
                                    tr.dead-letter data-id=(letter.id) {
                                        td { (time(Some(letter.failed_at))) }
                                        td { code { (letter.id) } br; span.muted { (letter.event.kind()) } }
                                        td {
                                            a href=(message_link(letter.event.provider().as_str(), letter.event.message_id())) {
                                                code { (letter.event.message_id()) }
                                            }
                                        }
                                        td { (letter.attempts) }
                                        td { (letter.error) }
                                    }
                                }
                            }
                        } }
                        @if dead.len() > DEAD_LETTERS_SHOWN {
                            p.muted { (dead.len() - DEAD_LETTERS_SHOWN) " more: " code { "smsgate exports dead-letters " (export.name) } }
                        }
                    }
                }
            }
        },
    )
}

fn state(state: ExportState) -> Markup {
    let family = match state {
        ExportState::Running => "good",
        ExportState::Failing => "bad",
        ExportState::Stopped => "unsure",
    };
    badge(family, state.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::{FeedEvent, InboundType, InboundView, Provider};

    fn export(name: &str, state: ExportState) -> ExportView {
        ExportView {
            name: name.into(),
            kind: "webhook".into(),
            cursor: Some("41".into()),
            lag: 3,
            state,
            last_error: Some("answered 500 <Internal>".into()),
        }
    }

    #[test]
    fn each_export_shows_its_lag_state_and_dead_letters_linked_to_their_messages() {
        let event = FeedEvent::Inbound(InboundView {
            cursor: "7".into(),
            provider: Provider::Smarthive,
            message_id: "in/1".into(),
            related_message_id: None,
            from: None,
            to: None,
            channel: None,
            kind: InboundType::Text,
            text: None,
            occurred_at: None,
            received_at: 1_700_000_000_000,
            payload: serde_json::json!({}),
        });
        let letter = DeadLetterView {
            id: "evt_7".into(),
            error: "answered 500".into(),
            attempts: 3,
            failed_at: 1_700_000_001_000,
            event,
        };
        let html = exports(
            "t",
            &[
                (export("billing", ExportState::Failing), vec![letter]),
                (export("bus", ExportState::Running), Vec::new()),
            ],
        )
        .into_string();
        assert!(
            html.contains(r#"data-name="billing" data-lag="3" data-dead-letters="1""#),
            "{html}"
        );
        assert!(html.contains("answered 500 &lt;Internal&gt;"), "escaped");
        assert!(html.contains(r#"data-export="billing""#));
        assert!(
            !html.contains(r#"data-export="bus""#),
            "no section without dead letters"
        );
        assert!(
            html.contains(r#"href="/ui/message?provider=smarthive&amp;id=in%2F1""#),
            "{html}"
        );
        assert!(html.contains(r#"aria-current="page">Exports"#));
        assert!(exports("t", &[]).into_string().contains("no-exports"));
    }
}
