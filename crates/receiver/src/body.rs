//! Reading a callback body within the size limit and the time limit.
//!
//! dropshot's own limit answers 400 and reads first; here a declared
//! `Content-Length` over the limit is refused before reading anything, and a
//! chunked body is counted as it streams, both with 413. A body that has not
//! all arrived within the time limit gets 408 (a slow client, or one holding
//! the connection on purpose).

use std::time::Duration;

use dropshot::{ClientErrorStatusCode, HttpError};
use http_body_util::{BodyExt, Limited};

use crate::metrics::Outcome;

/// Why a callback body was not read. Each has its own answer and its own
/// outcome in `/metrics`, so that a client hanging up mid-body is not
/// counted as an oversized body.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// Declared or streamed past the limit: 413.
    #[error("callback body larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    /// Not all there within the time limit: 408.
    #[error("callback body not received within {} s: send the whole body at once", .timeout.as_secs_f64())]
    TimedOut { timeout: Duration },
    /// The stream broke off (the client hung up, or sent a malformed
    /// chunk): 400.
    #[error("could not read the request body: {0}")]
    Unreadable(String),
}

impl BodyError {
    pub(crate) fn outcome(&self) -> Outcome {
        match self {
            BodyError::TooLarge { .. } => Outcome::TooLarge,
            BodyError::TimedOut { .. } => Outcome::TimedOut,
            BodyError::Unreadable(_) => Outcome::UnreadableBody,
        }
    }
}

impl From<BodyError> for HttpError {
    fn from(error: BodyError) -> HttpError {
        let status = match error {
            BodyError::TooLarge { .. } => ClientErrorStatusCode::PAYLOAD_TOO_LARGE,
            BodyError::TimedOut { .. } => ClientErrorStatusCode::REQUEST_TIMEOUT,
            BodyError::Unreadable(_) => ClientErrorStatusCode::BAD_REQUEST,
        };
        HttpError::for_client_error(None, status, error.to_string())
    }
}

/// Refuses a declared `Content-Length` over `limit`.
pub(crate) fn check_declared_length(headers: &http::HeaderMap, limit: usize) -> Result<(), BodyError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(BodyError::TooLarge { limit }),
        _ => Ok(()),
    }
}

/// Reads the whole body, failing as soon as it passes `limit` and when it
/// is not complete within `timeout`.
pub(crate) async fn read(body: dropshot::Body, limit: usize, timeout: Duration) -> Result<Vec<u8>, BodyError> {
    let Ok(read) = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await else {
        return Err(BodyError::TimedOut { timeout });
    };
    match read {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge { limit }),
        Err(error) => Err(BodyError::Unreadable(error.to_string())),
    }
}
