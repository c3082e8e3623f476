//! Reading a callback body within the size limit.
//!
//! dropshot's own limit answers 400 and reads first; here a declared
//! `Content-Length` over the limit is refused before reading anything, and a
//! chunked body is counted as it streams, both with 413.

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

/// Reads the whole body, failing with 413 as soon as it passes `limit`.
pub(crate) async fn read(body: dropshot::Body, limit: usize) -> Result<Vec<u8>, HttpError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Err(error) => Err(HttpError::for_bad_request(
            None,
            format!("could not read the request body: {error}"),
        )),
    }
}
