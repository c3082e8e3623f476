//! One provider API behind one interface: build the request with the
//! generated client, and read the answer into one [`Outcome`] per message
//! or a [`Failure`] that says whether trying again is safe.

use std::time::{Duration, SystemTime};

use smsgate::ApiKey;
use smsgate::clearline::sms_api as clearline;
use smsgate::clickatell::sms_api as clickatell;

use crate::message::Outgoing;
use crate::route::Route;

/// What the provider said about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted {
        message_id: String,
    },
    /// The provider refused this message (a per-recipient error, `succeed:
    /// false`, or a 4xx answer); sending it again unchanged will not help.
    Rejected {
        reason: String,
    },
}

/// A request that got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub message: String,
    /// 429, 5xx, a timeout or a broken connection: worth trying again.
    pub retryable: bool,
    /// The provider's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// Not retryable and not maybe sent covers a refused key (401, 403):
    /// nothing about the message itself was judged.
    ///
    /// The request may have reached the provider and been accepted (a
    /// timeout, a connection lost after sending, an unreadable 2xx).
    pub maybe_sent: bool,
    /// A 429: the provider is up and asks for a slower pace.
    pub throttled: bool,
}

/// How to reach a provider.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub route: Route,
    /// The provider's server (its production URL unless testing).
    pub base_url: String,
    pub key: ApiKey,
    /// ClearLine's per-message `callbackUrl` (Clickatell's is set in its portal).
    pub callback_url: Option<String>,
    /// How long one request may take, answer included.
    pub request_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--callback-url is only for clearline: Clickatell takes the callback URL from its portal, not per message")]
    CallbackUrlNotTaken,
    #[error("invalid base URL `{0}`: expected http:// or https:// and a host, e.g. http://127.0.0.1:9090")]
    BadBaseUrl(String),
}

enum Api {
    Clickatell(clickatell::Client),
    Clearline(clearline::Client),
}

/// A provider's send API, with its key placed where its spec says.
pub struct Gateway {
    route: Route,
    api: Api,
    callback_url: Option<String>,
    key: ApiKey,
}

/// Longest provider answer quoted in an error.
const QUOTED_BODY: usize = 500;

impl Gateway {
    pub fn new(config: GatewayConfig) -> Result<Gateway, ConfigError> {
        if config.callback_url.is_some() && config.route != Route::Clearline {
            return Err(ConfigError::CallbackUrlNotTaken);
        }
        let base_url = config.base_url.trim_end_matches('/');
        match reqwest::Url::parse(base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => return Err(ConfigError::BadBaseUrl(config.base_url.clone())),
        }
        let http = smsgate::auth::client_builder()
            .connect_timeout(smsgate::auth::CONNECT_TIMEOUT.min(config.request_timeout))
            .timeout(config.request_timeout)
            .build()
            .expect("the HTTP client's TLS backend initialises");
        let credentials = smsgate::Credentials::api_key(config.key.clone());
        let api = match config.route {
            Route::Clearline => Api::Clearline(clearline::Client::new_with_client(base_url, http, credentials)),
            Route::Clickatell | Route::ClickatellHttp => {
                Api::Clickatell(clickatell::Client::new_with_client(base_url, http, credentials))
            }
        };
        Ok(Gateway {
            route: config.route,
            api,
            callback_url: config.callback_url,
            key: config.key,
        })
    }

    pub fn route(&self) -> Route {
        self.route
    }

    /// Whether [`Gateway::send_bulk`] takes many messages in one request
    /// (Clickatell's REST API only).
    pub fn has_bulk(&self) -> bool {
        self.route == Route::Clickatell
    }

    /// Sends one message with the route's single-message operation.
    pub async fn send_one(&self, message: &Outgoing) -> Result<Outcome, Failure> {
        self.send_one_with_callback(message, self.callback_url.as_deref()).await
    }

    /// [`Gateway::send_one`] with this message's own ClearLine
    /// `callbackUrl` (ignored by the other APIs, which have none per message).
    pub async fn send_one_with_callback(
        &self,
        message: &Outgoing,
        callback_url: Option<&str>,
    ) -> Result<Outcome, Failure> {
        let result = match (&self.api, self.route) {
            (Api::Clickatell(client), Route::ClickatellHttp) => {
                let mut request = client
                    .send_message_http()
                    .to(message.to.as_str())
                    .content(message.text.as_str());
                if let Some(from) = &message.from {
                    request = request.from(from.as_str());
                }
                if let Some(id) = &message.client_message_id {
                    request = request.client_message_id(id.as_str());
                }
                request
                    .send()
                    .await
                    .map(|answer| vec![clickatell_outcome(answer.into_inner())])
            }
            (Api::Clickatell(client), _) => client
                .send_message_rest_1()
                .body(clickatell_request(message))
                .send()
                .await
                .map(|answer| vec![clickatell_outcome(answer.into_inner())]),
            (Api::Clearline(client), _) => {
                let mut body = clearline::types::SendSmsRequest::builder()
                    .phone(message.to.as_str())
                    .message(message.text.as_str());
                if let Some(url) = callback_url {
                    body = body.callback_url(Some(url.to_string()));
                }
                client.send_sms().body(body).send().await.map(|answer| {
                    let answer = answer.into_inner();
                    vec![match (answer.succeed, answer.message_id) {
                        (Some(true), Some(id)) if !id.is_empty() => Outcome::Accepted { message_id: id },
                        (Some(true), _) => Outcome::Rejected {
                            reason: "ClearLine answered succeed=true without a messageId".into(),
                        },
                        (_, _) => Outcome::Rejected {
                            reason: format!("ClearLine answered succeed=false: {}", extra_text(&answer.extra)),
                        },
                    }]
                })
            }
        };
        let mut outcomes = self.read(result, 1).await?;
        Ok(outcomes.remove(0))
    }

    /// Sends many messages in one `POST /messages/rest/bulk`; one outcome
    /// per message, in order.
    ///
    /// # Panics
    /// On a route without a bulk operation (see [`Gateway::has_bulk`]).
    pub async fn send_bulk(&self, batch: &[Outgoing]) -> Result<Vec<Outcome>, Failure> {
        let Api::Clickatell(client) = &self.api else {
            panic!("send_bulk on {}, which has no bulk operation", self.route);
        };
        let body = clickatell::types::SendBulkMessageRequest {
            message_list: batch.iter().map(clickatell_request).collect(),
            extra: Default::default(),
        };
        let result = client.send_bulk_message_rest().body(body).send().await.map(|answers| {
            let answers = answers.into_inner();
            if answers.len() != batch.len() {
                return Err(format!(
                    "Clickatell answered {} results for {} messages; cannot tell which were accepted",
                    answers.len(),
                    batch.len()
                ));
            }
            Ok(answers.into_iter().map(clickatell_outcome).collect())
        });
        match result {
            Ok(Err(mismatch)) => Err(Failure {
                message: self.redact(&mismatch),
                retryable: false,
                retry_after: None,
                maybe_sent: true,
                throttled: false,
            }),
            Ok(Ok(outcomes)) => self.read(Ok(outcomes), batch.len()).await,
            Err(error) => self.read(Err(error), batch.len()).await,
        }
    }

    /// Turns the client's result into outcomes: a 4xx rejects every message
    /// of the request, 429 and 5xx are retryable failures.
    async fn read(
        &self,
        // Every generated client returns progenitor's one error type.
        result: Result<Vec<Outcome>, clickatell::Error<()>>,
        messages: usize,
    ) -> Result<Vec<Outcome>, Failure> {
        use clickatell::Error;
        let fail = |message: String, retryable: bool, maybe_sent: bool| Failure {
            message: self.redact(&message),
            retryable,
            retry_after: None,
            maybe_sent,
            throttled: false,
        };
        match result {
            Ok(outcomes) => Ok(outcomes
                .into_iter()
                .map(|outcome| match outcome {
                    Outcome::Rejected { reason } => Outcome::Rejected {
                        reason: self.redact(&reason),
                    },
                    accepted => accepted,
                })
                .collect()),
            Err(Error::UnexpectedResponse(response)) => {
                let status = response.status();
                let retry_after = retry_after(response.headers());
                let body = response.text().await.unwrap_or_default();
                let quoted: String = body.chars().take(QUOTED_BODY).collect();
                let message = self.redact(&format!("{} answered HTTP {status}: {quoted}", self.route));
                if matches!(status.as_u16(), 401 | 403) {
                    // The key, not the message: another provider may take it.
                    Err(Failure {
                        message: format!("{message} (the API key was refused)"),
                        retryable: false,
                        retry_after: None,
                        maybe_sent: false,
                        throttled: false,
                    })
                } else if status.as_u16() == 429 || status.as_u16() == 408 || status.is_server_error() {
                    Err(Failure {
                        message,
                        retryable: true,
                        retry_after,
                        maybe_sent: false,
                        throttled: status.as_u16() == 429,
                    })
                } else if status.is_client_error() {
                    Ok(vec![Outcome::Rejected { reason: message }; messages])
                } else {
                    Err(fail(
                        format!("{message} (the spec documents only its success status)"),
                        false,
                        status.is_success(),
                    ))
                }
            }
            Err(Error::CommunicationError(error)) => Err(fail(
                format!("cannot reach {}: {}", self.route, error_chain(&error)),
                true,
                !error.is_connect(),
            )),
            Err(Error::InvalidResponsePayload(_, error)) => Err(fail(
                format!(
                    "{} accepted the request but its answer is not the documented shape: {error}",
                    self.route
                ),
                false,
                true,
            )),
            Err(Error::ResponseBodyError(error)) => Err(fail(
                format!(
                    "{} answered but its body could not be read: {}",
                    self.route,
                    error_chain(&error)
                ),
                true,
                true,
            )),
            Err(other) => Err(fail(
                format!("cannot send through {}: {other}", self.route),
                false,
                false,
            )),
        }
    }

    /// Removes the key from any text shown to the user, in case a provider
    /// (or a proxy) echoes it back.
    fn redact(&self, text: &str) -> String {
        redact(text, self.key.expose())
    }
}

/// `text` with every whole-token occurrence of `secret` replaced by
/// `REDACTED`. An echoed key stands between delimiters (quotes, `=`, `&`,
/// spaces); matching only those keeps a short key from mangling the words
/// it happens to be part of.
fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let is_token_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        out.push_str(&rest[..at]);
        let before = out.chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        if before.is_some_and(is_token_char) || after.is_some_and(is_token_char) {
            out.push_str(secret);
        } else {
            out.push_str("REDACTED");
        }
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// Clickatell's request for one message to one recipient.
fn clickatell_request(message: &Outgoing) -> clickatell::types::SendMessageRequest {
    clickatell::types::SendMessageRequest {
        to: Some(vec![message.to.clone()]),
        content: Some(message.text.clone()),
        from: message.from.clone(),
        client_message_id: message.client_message_id.clone(),
        binary: None,
        charset: None,
        scheduled_delivery_time: None,
        user_data_header: None,
        validity_period: None,
        extra: Default::default(),
    }
}

/// Clickatell's answer to a request for one recipient: the recipient's
/// result, or a request-level error.
fn clickatell_outcome(answer: clickatell::types::SendMessagesListResponse) -> Outcome {
    let Some(message) = answer.messages.into_iter().next() else {
        let reason = clickatell_error(
            answer.error_code,
            answer.error.as_deref(),
            answer.error_description.as_deref(),
        )
        .unwrap_or_else(|| "Clickatell answered without a result for the message".into());
        return Outcome::Rejected { reason };
    };
    let error = clickatell_error(
        message.error_code,
        message.error.as_deref(),
        message.error_description.as_deref(),
    );
    match (message.accepted, message.api_message_id, error) {
        (Some(true), Some(id), None) if !id.is_empty() => Outcome::Accepted { message_id: id },
        (_, _, Some(reason)) => Outcome::Rejected { reason },
        (_, _, None) => Outcome::Rejected {
            reason: "Clickatell did not accept the message and gave no reason".into(),
        },
    }
}

fn clickatell_error(code: Option<i32>, error: Option<&str>, description: Option<&str>) -> Option<String> {
    let parts: Vec<String> = [
        code.map(|code| format!("error {code}")),
        error.map(str::to_string),
        description.map(str::to_string),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect();
    (!parts.is_empty()).then(|| format!("Clickatell: {}", parts.join(": ")))
}

/// What else ClearLine said, for an error message.
fn extra_text(extra: &serde_json::Map<String, serde_json::Value>) -> String {
    if extra.is_empty() {
        "no reason given".into()
    } else {
        serde_json::Value::Object(extra.clone()).to_string()
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// An error with its causes, which is where reqwest says what happened.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_the_key_where_it_stands_alone_and_nowhere_else() {
        let key = "s3cr3t-KEY_0123456789";
        assert_eq!(
            redact(&format!(r#"{{"apiKey":"{key}"}} ?apiKey={key}&to=1 {key}"#), key),
            r#"{"apiKey":"REDACTED"} ?apiKey=REDACTED&to=1 REDACTED"#
        );
        assert_eq!(
            redact("clickatell answered 503: key k", "k"),
            "clickatell answered 503: key REDACTED"
        );
        assert_eq!(redact("nothing secret", ""), "nothing secret");
    }
}
