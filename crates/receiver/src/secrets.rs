//! The callback secret and the API token: where they come from, and how a
//! request proves it has them.
//!
//! Providers do not sign callbacks, so every callback URL carries a secret,
//! as `?token=SECRET` or as the password of HTTP Basic auth. The query API
//! takes a bearer token. Each comes from its environment variable, or is
//! generated once and kept in the store so that it survives restarts.
//! Comparisons are constant-time, and the secrets never reach `Debug` output
//! or logs.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use subtle::ConstantTimeEq;

/// A secret string; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// 32 random bytes, URL-safe base64 (fits a query string unescaped).
    pub fn generate() -> Secret {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        Secret(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

/// The receiver's two secrets.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub callback: Secret,
    pub api: Secret,
}

/// The query parameter that carries the callback secret.
pub const TOKEN_PARAM: &str = "token";

impl Secrets {
    /// Whether a callback request carries the callback secret, as
    /// `?token=` or as a Basic auth password.
    pub fn callback_authorized(&self, query: Option<&str>, authorization: Option<&str>) -> bool {
        let by_query = query.is_some_and(|query| {
            form_urlencoded::parse(query.as_bytes())
                .any(|(key, value)| key == TOKEN_PARAM && self.callback.matches(&value))
        });
        let by_basic = authorization
            .and_then(basic_password)
            .is_some_and(|password| self.callback.matches(&password));
        by_query | by_basic
    }

    /// Whether `token` is the API token (the console's sign-in form).
    pub fn api_token_matches(&self, token: &str) -> bool {
        self.api.matches(token.trim())
    }

    /// Whether a query API request carries `Authorization: Bearer TOKEN`.
    pub fn api_authorized(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|header| strip_scheme(header, "Bearer"))
            .is_some_and(|token| self.api.matches(token.trim()))
    }
}

/// The query string without the callback secret, as stored with the raw
/// request; `None` when nothing else is left.
pub fn strip_token(query: Option<&str>) -> Option<String> {
    let kept: Vec<&str> = query?
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_token(pair))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

fn is_token(pair: &str) -> bool {
    form_urlencoded::parse(pair.as_bytes())
        .next()
        .is_some_and(|(key, _)| key == TOKEN_PARAM)
}

fn strip_scheme<'a>(header: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = header.trim().split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

fn basic_password(header: &str) -> Option<String> {
    let decoded = STANDARD.decode(strip_scheme(header, "Basic")?.trim()).ok()?;
    let credentials = String::from_utf8(decoded).ok()?;
    credentials.split_once(':').map(|(_, password)| password.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets {
            callback: Secret::new("cb-s3cret"),
            api: Secret::new("api-s3cret"),
        }
    }

    #[test]
    fn callbacks_authorize_by_query_or_basic_password() {
        let s = secrets();
        assert!(s.callback_authorized(Some("messageId=1&token=cb-s3cret"), None));
        assert!(s.callback_authorized(Some("token=cb%2Ds3cret"), None));
        assert!(!s.callback_authorized(Some("token=cb-s3cre"), None));
        assert!(!s.callback_authorized(Some("xtoken=cb-s3cret"), None));
        assert!(!s.callback_authorized(None, None));
        let basic = format!("Basic {}", STANDARD.encode("clickatell:cb-s3cret"));
        assert!(s.callback_authorized(None, Some(&basic)));
        let wrong = format!("Basic {}", STANDARD.encode("clickatell:nope"));
        assert!(!s.callback_authorized(None, Some(&wrong)));
        assert!(!s.callback_authorized(None, Some("Bearer cb-s3cret")));
    }

    #[test]
    fn the_api_wants_its_bearer_token() {
        let s = secrets();
        assert!(s.api_authorized(Some("Bearer api-s3cret")));
        assert!(s.api_authorized(Some("bearer api-s3cret")));
        assert!(!s.api_authorized(Some("Bearer cb-s3cret")));
        assert!(!s.api_authorized(Some("api-s3cret")));
        assert!(!s.api_authorized(None));
    }

    #[test]
    fn the_secret_is_stripped_from_stored_queries_and_debug() {
        assert_eq!(strip_token(Some("a=1&token=x&b=2")).as_deref(), Some("a=1&b=2"));
        assert_eq!(strip_token(Some("token=x")), None);
        assert_eq!(strip_token(None), None);
        assert_eq!(
            format!("{:?}", secrets()),
            "Secrets { callback: Secret(REDACTED), api: Secret(REDACTED) }"
        );
        assert_ne!(Secret::generate().expose(), Secret::generate().expose());
    }
}
