//! Signed-in sessions without a session table: the cookie carries its own
//! proof. A session is a random nonce and an expiry, signed with
//! HMAC-SHA256 under a key derived from the console's secret (kept in the
//! store, so sessions survive restarts and every replica accepts them) and
//! the API token (so that changing the token signs everybody out). The
//! CSRF token of a session is another HMAC of its nonce: forms carry it,
//! and a forged POST from another site cannot know it.
//!
//! The price of no table is that signing out only drops the cookie from
//! the browser: a copy taken before stays valid until it expires
//! ([`SESSION_LIFETIME_MS`]). Every comparison is constant-time, and
//! neither the key nor a cookie ever reaches `Debug` output.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "smsgate_session";
/// How long a sign-in lasts: 12 hours.
pub const SESSION_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The cookie format's version, first in every cookie.
const VERSION: &str = "v1";

/// The key sessions are signed with; `Debug` never shows it.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl SessionKey {
    /// The key for `secret` (the console's stored secret) and `api_token`.
    pub fn derive(secret: &str, api_token: &str) -> SessionKey {
        let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
        mac.update(b"smsgate console session key\0");
        mac.update(api_token.as_bytes());
        SessionKey(mac.finalize().into_bytes().into())
    }

    /// A fresh session from `now` (ms since the epoch) on.
    pub fn issue(&self, now: i64) -> Session {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        Session {
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            expires_at: now + SESSION_LIFETIME_MS,
        }
    }

    /// The session a cookie value proves, if its signature holds and it has
    /// not expired at `now`.
    pub fn verify(&self, cookie: &str, now: i64) -> Option<Session> {
        let mut parts = cookie.split('.');
        let (Some(VERSION), Some(nonce), Some(expires), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expires_at: i64 = expires.parse().ok()?;
        let session = Session {
            nonce: nonce.to_string(),
            expires_at,
        };
        let expected = self.sign(&session);
        let signed: bool = expected.as_bytes().ct_eq(signature.as_bytes()).into();
        (signed && now < expires_at).then_some(session)
    }

    /// The cookie value of `session`.
    pub fn cookie_value(&self, session: &Session) -> String {
        format!("{}.{}", session.payload(), self.sign(session))
    }

    /// The CSRF token of `session`.
    pub fn csrf_token(&self, session: &Session) -> String {
        self.mac(b"csrf", session.nonce.as_bytes())
    }

    /// Whether `token` is `session`'s CSRF token.
    pub fn csrf_matches(&self, session: &Session, token: &str) -> bool {
        self.csrf_token(session).as_bytes().ct_eq(token.as_bytes()).into()
    }

    fn sign(&self, session: &Session) -> String {
        self.mac(b"session", session.payload().as_bytes())
    }

    fn mac(&self, purpose: &[u8], data: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(purpose);
        mac.update(b"\0");
        mac.update(data);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(REDACTED)")
    }
}

/// A signed-in session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    nonce: String,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

impl Session {
    fn payload(&self) -> String {
        format!("{VERSION}.{}.{}", self.nonce, self.expires_at)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The `Set-Cookie` value that starts `session` (`secure`: served over HTTPS).
pub fn set_cookie(key: &SessionKey, session: &Session, now: i64, secure: bool) -> String {
    let max_age = (session.expires_at - now).max(0) / 1000;
    format!(
        "{COOKIE_NAME}={}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        key.cookie_value(session),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that drops the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session cookie's value among a request's `Cookie` headers.
pub fn cookie_from_headers<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn key() -> SessionKey {
        SessionKey::derive("console-secret", "api-token")
    }

    #[test]
    fn an_issued_session_verifies_until_it_expires() {
        let key = key();
        let session = key.issue(NOW);
        let cookie = key.cookie_value(&session);
        assert_eq!(key.verify(&cookie, NOW + 1), Some(session.clone()));
        assert_eq!(key.verify(&cookie, NOW + SESSION_LIFETIME_MS), None);
        assert_ne!(key.issue(NOW), session, "each sign-in gets its own nonce");
    }

    #[test]
    fn a_forged_or_foreign_cookie_is_refused() {
        let key = key();
        let session = key.issue(NOW);
        let cookie = key.cookie_value(&session);
        let (payload, signature) = cookie.rsplit_once('.').unwrap();
        let later = payload.replace(&session.expires_at.to_string(), &(session.expires_at + 1).to_string());
        assert_eq!(key.verify(&format!("{later}.{signature}"), NOW), None, "a moved expiry");
        assert_eq!(key.verify(&format!("{payload}.x{signature}"), NOW), None);
        assert_eq!(key.verify("v1.a.b", NOW), None);
        assert_eq!(key.verify("", NOW), None);
        let rotated = SessionKey::derive("console-secret", "another-api-token");
        assert_eq!(
            rotated.verify(&cookie, NOW),
            None,
            "a new API token signs everybody out"
        );
        let other = SessionKey::derive("another-secret", "api-token");
        assert_eq!(other.verify(&cookie, NOW), None);
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let key = key();
        let (one, two) = (key.issue(NOW), key.issue(NOW));
        let token = key.csrf_token(&one);
        assert!(key.csrf_matches(&one, &token));
        assert!(!key.csrf_matches(&two, &token));
        assert!(!key.csrf_matches(&one, ""));
        assert_ne!(token, key.cookie_value(&one).rsplit('.').next().unwrap());
    }

    #[test]
    fn cookies_are_http_only_strict_and_found_among_others() {
        let key = key();
        let session = key.issue(NOW);
        let set = set_cookie(&key, &session, NOW, true);
        assert!(
            set.contains("; HttpOnly; SameSite=Strict; Max-Age=43200; Secure"),
            "{set}"
        );
        assert!(clear_cookie(false).contains("Max-Age=0"));
        let value = key.cookie_value(&session);
        let header = format!("theme=dark; {COOKIE_NAME}={value}; other=1");
        assert_eq!(cookie_from_headers([header.as_str()]), Some(value.as_str()));
        assert_eq!(cookie_from_headers(["theme=dark"]), None);
        assert_eq!(format!("{key:?}"), "SessionKey(REDACTED)");
        assert!(!format!("{session:?}").contains(&value[3..10]));
    }
}
