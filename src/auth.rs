//! Credentials for the generated clients: where a provider wants its key,
//! and how to keep that key out of logs, `Debug` output, errors and URLs.
//!
//! Each generated client carries a [`Credentials`] and a `key_placement`
//! table generated from its spec's security requirements; its
//! `ClientHooks::pre` puts the key in the header or query parameter the spec
//! names (and removes the `api-version` header progenitor adds, which no
//! provider asked for). When the key travels in the query string, the URL in
//! any error or response handed back is redacted.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// How long to wait for a TCP + TLS connection to a provider.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take, response body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Text that replaces a key wherever a URL carrying it is shown.
const REDACTED: &str = "REDACTED";

/// A provider API key (or a callback secret). It is never shown: `Debug`
/// prints `ApiKey(REDACTED)` and no error message contains it.
#[derive(Clone)]
pub struct ApiKey(SecretString);

/// Why a string cannot be an API key. Never contains the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidApiKey {
    #[error("the API key is empty")]
    Empty,
    #[error("the API key contains a character not allowed in an HTTP header (use visible ASCII only)")]
    NotHeaderSafe,
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
}

impl ApiKey {
    /// Wraps `key`, which must be non-empty visible ASCII (it travels in a
    /// header or a query string).
    pub fn new(key: impl Into<String>) -> Result<ApiKey, InvalidApiKey> {
        let key = key.into();
        if key.trim().is_empty() {
            return Err(InvalidApiKey::Empty);
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidApiKey::NotHeaderSafe);
        }
        Ok(ApiKey(SecretString::from(key)))
    }

    /// Reads the key from environment variable `var` (for example
    /// `SMSGATE_CLICKATELL_API_KEY`): keys belong in the environment, not in
    /// command lines or code.
    pub fn from_env(var: &str) -> Result<ApiKey, InvalidApiKey> {
        let key = std::env::var(var).map_err(|_| InvalidApiKey::MissingEnv(var.to_string()))?;
        ApiKey::new(key)
    }

    /// The key itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

/// Where an operation's key goes, from the spec's security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    /// An HTTP header with this name (Clickatell: `Authorization`; ClearLine: `ApiKey`).
    Header(&'static str),
    /// A query parameter with this name (Clickatell HTTP send: `apiKey`).
    Query(&'static str),
    /// `Authorization: Bearer KEY` (smsgate's own query API).
    Bearer,
}

/// What a generated client authenticates with: the inner value of every
/// generated `Client`.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    key: Option<ApiKey>,
    /// Query parameters every request carries (see [`Credentials::with_query`]).
    query: Vec<(String, String)>,
}

impl Credentials {
    /// Sends `key` wherever the spec says each operation needs it.
    pub fn api_key(key: ApiKey) -> Credentials {
        Credentials {
            key: Some(key),
            query: Vec::new(),
        }
    }

    /// Sends no key (for example when the `reqwest::Client` already adds one).
    pub fn none() -> Credentials {
        Credentials {
            key: None,
            query: Vec::new(),
        }
    }

    /// Adds these query parameters to every request: a callback URL's own
    /// parameters, kept as the provider that posts to that URL keeps them.
    pub fn with_query(mut self, query: Vec<(String, String)>) -> Credentials {
        self.query = query;
        self
    }

    /// Called by the generated `ClientHooks::pre` before each request.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request, placement: Option<KeyPlacement>) {
        request.headers_mut().remove("api-version");
        if !self.query.is_empty() {
            request.url_mut().query_pairs_mut().extend_pairs(&self.query);
        }
        let (Some(key), Some(placement)) = (&self.key, placement) else {
            return;
        };
        match placement {
            KeyPlacement::Header(name) => {
                request.headers_mut().insert(header_name(name), sensitive(key.expose()));
            }
            KeyPlacement::Bearer => {
                let value = sensitive(&format!("Bearer {}", key.expose()));
                request.headers_mut().insert(reqwest::header::AUTHORIZATION, value);
            }
            KeyPlacement::Query(name) => {
                request.url_mut().query_pairs_mut().append_pair(name, key.expose());
            }
        }
    }
}

/// A header value that `http` hides from `Debug` output.
fn sensitive(text: &str) -> HeaderValue {
    let mut value = HeaderValue::from_str(text).expect("ApiKey::new checked the characters");
    value.set_sensitive(true);
    value
}

/// Header names from specs keep their spelling (`ApiKey`); HTTP compares
/// them case-insensitively and `http` wants them in lower case.
fn header_name(name: &str) -> HeaderName {
    HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).expect("security scheme names are valid header names")
}

/// The `reqwest::ClientBuilder` every generated client starts from (the
/// generated `Client::new` uses it too): same-origin redirects only and no
/// `Referer`, because a key in a custom header (ClearLine's `ApiKey`) would
/// follow a redirect to another host, and a key in the query string would
/// travel there in `Referer`; and a user agent naming smsgate. A client
/// passed to `new_with_client` should start from it as well.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(same_origin_redirects())
        .referer(false)
        .user_agent(concat!("smsgate/", env!("CARGO_PKG_VERSION")))
}

/// The `reqwest::Client` of `Client::with_api_key`: [`client_builder`] with
/// bounded connect and request times.
///
/// # Panics
/// Like `reqwest::Client::new`, if the TLS backend cannot be initialised.
pub fn http_client() -> reqwest::Client {
    client_builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("the HTTP client's TLS backend initialises")
}

fn same_origin_redirects() -> reqwest::redirect::Policy {
    const MAX_REDIRECTS: usize = 5;
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .last()
            .is_some_and(|from| from.origin() == attempt.url().origin());
        match (same_origin, attempt.previous().len() > MAX_REDIRECTS) {
            (true, false) => attempt.follow(),
            (true, true) => attempt.error("too many redirects"),
            (false, _) => attempt.stop(),
        }
    })
}

/// Sends `request`; when the key is in its query string, redacts it from the
/// URL of the response or error handed back, since both print their URL.
pub(crate) async fn execute_redacted(
    client: &reqwest::Client,
    request: reqwest::Request,
    placement: Option<KeyPlacement>,
) -> reqwest::Result<reqwest::Response> {
    let Some(KeyPlacement::Query(param)) = placement else {
        return client.execute(request).await;
    };
    match client.execute(request).await {
        Ok(response) => Ok(with_redacted_url(response, param)),
        Err(mut error) => {
            if let Some(url) = error.url_mut() {
                *url = redact_query(url, param);
            }
            Err(error)
        }
    }
}

fn redact_query(url: &reqwest::Url, param: &str) -> reqwest::Url {
    if !url.query_pairs().any(|(key, _)| key == param) {
        return url.clone();
    }
    let mut redacted = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    redacted.query_pairs_mut().clear().extend_pairs(
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), if k == param { REDACTED } else { v.as_str() })),
    );
    redacted
}

fn with_redacted_url(response: reqwest::Response, param: &str) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    let url = redact_query(response.url(), param);
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let mut builder = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    builder.body(body).expect("parts of a valid response").into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_show_in_debug_or_errors() {
        let key = ApiKey::new("s3cr3t-key").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(REDACTED)");
        let creds = Credentials::api_key(key);
        assert!(!format!("{creds:?}").contains("s3cr3t"));
        assert_eq!(
            ApiKey::new("bad\nkey").unwrap_err().to_string(),
            InvalidApiKey::NotHeaderSafe.to_string()
        );
        assert!(!ApiKey::new("bad\nkey").unwrap_err().to_string().contains("bad"));
        assert_eq!(ApiKey::new("  ").unwrap_err(), InvalidApiKey::Empty);
    }

    #[test]
    fn redacts_only_the_key_parameter() {
        let url = reqwest::Url::parse("https://p.example/send?to=27&apiKey=s3cr3t&content=hi").unwrap();
        assert_eq!(
            redact_query(&url, "apiKey").as_str(),
            "https://p.example/send?to=27&apiKey=REDACTED&content=hi"
        );
        let without = reqwest::Url::parse("https://p.example/elsewhere").unwrap();
        assert_eq!(redact_query(&without, "apiKey").as_str(), "https://p.example/elsewhere");
    }
}
