//! Sending callbacks through the generated callback-role clients, retried
//! with exponential backoff as the providers do: a non-2xx answer or no
//! answer at all is tried again after `base_delay`, then twice that, and so
//! on up to `max_delay`, `attempts` times in all.

use std::future::Future;
use std::time::Duration;

use smsgate::clearline::callbacks as clearline;
use smsgate::clickatell::{one_api_callbacks as one_api, sms_callbacks as sms};
use smsgate::smarthive::callbacks as smarthive;
use smsgate::{ApiKey, Credentials};
use smsgate_simulator_api::control::{CallbackView, DeliveryState};

/// How a provider retries a callback that was not acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The pause after the first failed attempt; it doubles after each one.
    pub base_delay: Duration,
    /// The longest pause.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The pause after `failed` failed attempts (1 for the first).
    pub fn delay(&self, failed: u32) -> Duration {
        let factor = 2u32.saturating_pow(failed.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// A callback not yet sent.
pub fn pending(status: &str, duplicate: bool) -> CallbackView {
    CallbackView {
        status: status.to_string(),
        duplicate,
        state: DeliveryState::Pending,
        attempts: 0,
        last_error: None,
    }
}

/// Calls `attempt` until it succeeds or the policy gives up, and returns
/// `callback` as it ends; `progress` sees it after every attempt.
pub async fn deliver<F, Fut>(
    policy: &RetryPolicy,
    mut callback: CallbackView,
    mut attempt: F,
    mut progress: impl FnMut(&CallbackView),
) -> CallbackView
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    for number in 1..=policy.attempts.max(1) {
        let result = attempt().await;
        callback.attempts = number;
        let failed = result.is_err();
        let last = number >= policy.attempts;
        callback.state = match (failed, last) {
            (false, _) => DeliveryState::Delivered,
            (true, false) => DeliveryState::Pending,
            (true, true) => DeliveryState::Failed,
        };
        callback.last_error = result.err();
        progress(&callback);
        if !failed || last {
            break;
        }
        tracing::debug!(attempt = number, error = ?callback.last_error, "callback not acknowledged, retrying");
        tokio::time::sleep(policy.delay(number)).await;
    }
    callback
}

/// A generated client's answer, as delivered or why not. Never shows the
/// URL's secret: the clients redact their query key from errors, and an
/// answer is described by its status alone.
pub fn acknowledged<T, E: std::fmt::Debug>(
    result: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(error) => Err(match error.status() {
            Some(status) => format!("the receiver answered {status}"),
            None => format!("no answer: {error}"),
        }),
    }
}

/// The callback-role clients aimed at `--callback-base`, with the
/// receiver's secret (`--callback-token`) as their `?token=`.
pub struct ReceiverClients {
    pub sms: sms::Client,
    pub one_api: one_api::Client,
    pub smarthive: smarthive::Client,
}

impl ReceiverClients {
    pub fn new(base: &str, token: Option<&ApiKey>) -> ReceiverClients {
        let credentials = || token.cloned().map_or_else(Credentials::none, Credentials::api_key);
        let base = base.trim_end_matches('/');
        ReceiverClients {
            sms: sms::Client::new(base, credentials()),
            one_api: one_api::Client::new(base, credentials()),
            smarthive: smarthive::Client::new(base, credentials()),
        }
    }
}

/// The path the ClearLine callback client posts to (the receiver's route).
const CLEARLINE_ROUTE: &str = "/client-callback/clearline-status";

/// The generated ClearLine callback client for a send request's
/// `callbackUrl`: it must name a receiver's `/client-callback/clearline-status`
/// route (the only path the client calls); its `token` query parameter is
/// the client's key, and its other parameters go with every callback. The error never repeats the URL (it carries a secret).
pub fn clearline_client(callback_url: &str) -> Result<clearline::Client, String> {
    let url = reqwest::Url::parse(callback_url).map_err(|e| format!("callbackUrl is not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("callbackUrl must be http or https, not {}", url.scheme()));
    }
    let prefix = url.path().strip_suffix(CLEARLINE_ROUTE).ok_or_else(|| {
        format!(
            "callbackUrl's path {} does not end with {CLEARLINE_ROUTE}, the receiver's ClearLine route that the \
             generated callback client posts to",
            url.path()
        )
    })?;
    let base = format!("{}{prefix}", url.origin().ascii_serialization());
    let credentials = match url.query_pairs().find(|(name, _)| name == "token") {
        Some((_, token)) => {
            Credentials::api_key(ApiKey::new(token.into_owned()).map_err(|e| format!("callbackUrl's token: {e}"))?)
        }
        None => Credentials::none(),
    };
    // The URL's other parameters stay on every callback, as ClearLine
    // posts to the URL it was given.
    let others = url
        .query_pairs()
        .filter(|(name, _)| name != "token")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    Ok(clearline::Client::new(&base, credentials.with_query(others)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        let delays: Vec<u128> = (1..=5).map(|n| policy.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn clearline_callback_urls_must_name_the_route() {
        assert!(clearline_client("http://127.0.0.1:8080/client-callback/clearline-status?token=s3cret").is_ok());
        assert!(clearline_client("https://h.example/prefix/client-callback/clearline-status").is_ok());
        let error = clearline_client("https://h.example/hooks/sms?token=s3cret").unwrap_err();
        assert!(error.contains("/hooks/sms") && !error.contains("s3cret"), "{error}");
        assert!(clearline_client("not a url").is_err());
        assert!(clearline_client("ftp://h/client-callback/clearline-status").is_err());
    }
}
