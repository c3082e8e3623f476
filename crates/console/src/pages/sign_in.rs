//! The sign-in page: one password field for the query API's token, posted
//! in the body (never in a URL), and where to go back to afterwards.

use maud::{Markup, html};

use crate::layout::page;

/// The sign-in form; `error` says why the last attempt failed, `next` is
/// the console page to return to.
pub fn sign_in(error: Option<&str>, next: &str) -> Markup {
    page(
        "Sign in",
        None,
        html! {
            p { "Sign in with the query API's token (" code { "SMSGATE_API_TOKEN" } ", printed by "
                code { "smsgate serve" } " at start-up)." }
            @if let Some(error) = error {
                p.notice.error role="alert" #sign-in-error { (error) }
            }
            form.stack method="post" action="/ui/sign-in" {
                input type="hidden" name="next" value=(next);
                label for="token" { "API token" }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                button.primary type="submit" { "Sign in" }
            }
        },
    )
}

/// Where to go after signing in: `next` when it is a console page, else
/// the messages page (never another site).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(next) if next.starts_with("/ui/") && !next.starts_with("/ui//") && !next.contains('\\') => next,
        _ => "/ui/messages",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_posts_the_token_and_escapes_what_it_echoes() {
        let html = sign_in(Some("wrong <token>"), "/ui/message?id=\"x\"").into_string();
        assert!(
            html.contains(r#"<form class="stack" method="post" action="/ui/sign-in">"#),
            "{html}"
        );
        assert!(html.contains("wrong &lt;token&gt;"));
        assert!(html.contains(r#"value="/ui/message?id=&quot;x&quot;""#));
        assert!(html.contains(r#"type="password" name="token""#));
    }

    #[test]
    fn next_stays_on_the_console() {
        assert_eq!(safe_next(Some("/ui/quarantine")), "/ui/quarantine");
        assert_eq!(safe_next(Some("https://evil.example/")), "/ui/messages");
        assert_eq!(safe_next(Some("//evil.example/ui/")), "/ui/messages");
        assert_eq!(safe_next(Some("/ui//evil.example")), "/ui/messages");
        assert_eq!(safe_next(None), "/ui/messages");
    }
}
