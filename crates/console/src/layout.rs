//! The frame every page shares: the document head (the embedded stylesheet
//! and script), a skip link, the navigation with the current section
//! marked for assistive technology, and the sign-out form, which carries
//! the session's CSRF token like every other form.

use maud::{DOCTYPE, Markup, html};

use crate::session::CSRF_FIELD;

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Messages,
    Inbound,
    Quarantine,
    Providers,
    Exports,
}

impl Section {
    const ALL: [(Section, &'static str, &'static str); 5] = [
        (Section::Messages, "/ui/messages", "Messages"),
        (Section::Inbound, "/ui/inbound", "Inbound"),
        (Section::Quarantine, "/ui/quarantine", "Quarantine"),
        (Section::Providers, "/ui/providers", "Providers"),
        (Section::Exports, "/ui/exports", "Exports"),
    ];
}

/// What a signed-in page needs besides its content.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    /// The session's CSRF token, for the forms that change something.
    pub csrf: &'a str,
    /// The section to mark as current, if any.
    pub section: Option<Section>,
}

/// A whole document: `chrome` for a signed-in page, `None` for the sign-in page.
pub fn page(title: &str, chrome: Option<Chrome<'_>>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · smsgate" }
                link rel="stylesheet" href="/ui/assets/console.css";
                script src="/ui/assets/console.js" defer {}
            }
            body {
                a.skip href="#content" { "Skip to content" }
                header.top {
                    span.brand { "smsgate" }
                    @if let Some(chrome) = chrome {
                        nav aria-label="Sections" {
                            ul {
                                @for (section, href, name) in Section::ALL {
                                    li {
                                        @if Some(section) == chrome.section {
                                            a href=(href) aria-current="page" { (name) }
                                        } @else {
                                            a href=(href) { (name) }
                                        }
                                    }
                                }
                            }
                        }
                        (csrf_form("/ui/sign-out", chrome.csrf, html! { button type="submit" { "Sign out" } }))
                    }
                }
                main #content tabindex="-1" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// A POST form to `action` carrying the CSRF token, around `inside`.
pub fn csrf_form(action: &str, csrf: &str, inside: Markup) -> Markup {
    html! {
        form method="post" action=(action) {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            (inside)
        }
    }
}
