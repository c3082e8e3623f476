//! A page saying why another could not be shown (not found, refused, the
//! store unavailable), inside the signed-in frame when there is a session.

use maud::{Markup, html};

use crate::layout::{Chrome, page};

/// `csrf`: the session's token when signed in (for the sign-out form).
pub fn error_page(csrf: Option<&str>, title: &str, message: &str) -> Markup {
    let chrome = csrf.map(|csrf| Chrome { csrf, section: None });
    page(
        title,
        chrome,
        html! {
            p.notice.error role="alert" { (message) }
            p { a href="/ui/messages" { "Back to the messages" } }
        },
    )
}
