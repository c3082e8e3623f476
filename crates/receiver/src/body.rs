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

fn too_large(limit: usize) -> HttpError {
    HttpError::for_client_error(
        None,
        ClientErrorStatusCode::PAYLOAD_TOO_LARGE,
        format!("callback body larger than the limit of {limit} bytes"),
    )
}

/// Refuses a declared `Content-Length` over `limit`.
pub(crate) fn check_declared_length(headers: &http::HeaderMap, limit: usize) -> Result<(), HttpError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Reads the whole body, failing with 413 as soon as it passes `limit` and
/// with 408 when it is not complete within `timeout`.
pub(crate) async fn read(body: dropshot::Body, limit: usize, timeout: Duration) -> Result<Vec<u8>, HttpError> {
    let Ok(read) = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await else {
        return Err(HttpError::for_client_error(
            None,
            ClientErrorStatusCode::REQUEST_TIMEOUT,
            format!(
                "callback body not received within {} s: send the whole body at once",
                timeout.as_secs_f64()
            ),
        ));
    };
    match read {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Err(error) => Err(HttpError::for_bad_request(
            None,
            format!("could not read the request body: {error}"),
        )),
    }
}
