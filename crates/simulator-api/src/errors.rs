//! The providers' error answers, in each provider's own shape.
//!
//! Clickatell answers an error with the body of a successful send
//! (`SendMessagesListResponse`) carrying `errorCode`, `error` and
//! `errorDescription`; the codes and their HTTP statuses are the ones of
//! Clickatell's published platform error table ([`ClickatellCode`]).
//! ClearLine documents no error body: the simulator answers
//! `{"succeed": false, "error": "..."}`, its `SendSmsResponse` with the
//! reason in a field the generated client keeps in `extra`.
//!
//! A throttled send (429) is the exception: it carries `Retry-After`, and
//! dropshot's typed errors carry no headers, so a send endpoint answers
//! [`OrThrottled`], its success or a 429 built here with the header.

use std::fmt;
use std::time::Duration;

use dropshot::{
    ApiEndpointResponse, Body, ErrorStatusCode, HttpError, HttpResponse, HttpResponseAccepted, HttpResponseError,
    HttpResponseOk,
};
use http::{HeaderValue, Response, StatusCode, header};
use schemars::JsonSchema;
use serde::Serialize;
use smsgate::clearline::sms_api::types::SendSmsResponse;
use smsgate::clickatell::sms_api::types::SendMessagesListResponse;

/// An error answered with `status` and a provider-shaped `body` (boxed:
/// the providers' bodies are large, errors travel in `Result`s).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProviderError<B> {
    #[serde(skip)]
    #[schemars(skip)]
    pub status: ErrorStatusCode,
    #[serde(flatten)]
    pub body: Box<B>,
}

/// Clickatell's answer to a failed send.
pub type ClickatellError = ProviderError<SendMessagesListResponse>;
/// ClearLine's answer to a failed send.
pub type ClearLineError = ProviderError<SendSmsResponse>;

/// How a provider words an error it answers with `status`.
pub trait ErrorBody {
    fn from_message(status: ErrorStatusCode, message: String) -> Self;
}

impl<B: ErrorBody> From<HttpError> for ProviderError<B> {
    fn from(error: HttpError) -> Self {
        ProviderError {
            status: error.status_code,
            body: Box::new(B::from_message(error.status_code, error.external_message)),
        }
    }
}

impl<B: Serialize> fmt::Display for ProviderError<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = serde_json::to_string(&self.body).map_err(|_| fmt::Error)?;
        write!(f, "{}: {body}", self.status.as_u16())
    }
}

impl<B: ErrorBody + Serialize + JsonSchema + Send + Sync + 'static> HttpResponseError for ProviderError<B> {
    fn status_code(&self) -> ErrorStatusCode {
        self.status
    }
}

/// A send endpoint's answer: its success `R`, or a 429 with the provider's
/// error body `B` and `Retry-After`. The OpenAPI document shows the
/// success (the 429 is among the provider's errors).
pub enum OrThrottled<R, B> {
    Answer(R),
    Throttled { body: B, retry_after: Duration },
}

/// A Clickatell send's answer.
pub type ClickatellAnswer<T> = OrThrottled<HttpResponseAccepted<T>, SendMessagesListResponse>;
/// A ClearLine send's answer.
pub type ClearLineAnswer = OrThrottled<HttpResponseOk<SendSmsResponse>, SendSmsResponse>;

impl<R: HttpResponse, B: Serialize> HttpResponse for OrThrottled<R, B> {
    fn to_result(self) -> Result<Response<Body>, HttpError> {
        match self {
            OrThrottled::Answer(answer) => answer.to_result(),
            OrThrottled::Throttled { body, retry_after } => {
                let body = serde_json::to_vec(&body).map_err(|e| HttpError::for_internal_error(e.to_string()))?;
                // Whole seconds, rounded up: never sooner than the provider takes it.
                let seconds = retry_after.as_millis().div_ceil(1000).max(1);
                Response::builder()
                    .status(StatusCode::TOO_MANY_REQUESTS)
                    .header(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .header(header::RETRY_AFTER, seconds.to_string())
                    .body(Body::from(body))
                    .map_err(|e| HttpError::for_internal_error(e.to_string()))
            }
        }
    }

    fn response_metadata() -> ApiEndpointResponse {
        R::response_metadata()
    }

    fn status_code(&self) -> StatusCode {
        match self {
            OrThrottled::Answer(answer) => answer.status_code(),
            OrThrottled::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

/// A row of Clickatell's platform error table: code, HTTP status, text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClickatellCode {
    pub code: i32,
    pub status: ErrorStatusCode,
    pub error: &'static str,
}

impl ClickatellCode {
    pub const INVALID_KEY: ClickatellCode = ClickatellCode {
        code: 1,
        status: ErrorStatusCode::UNAUTHORIZED,
        error: "Invalid or missing Integration API Key",
    };
    pub const INTERNAL: ClickatellCode = ClickatellCode {
        code: 18,
        status: ErrorStatusCode::INTERNAL_SERVER_ERROR,
        error: "Internal error",
    };
    pub const RETRY: ClickatellCode = ClickatellCode {
        code: 19,
        status: ErrorStatusCode::SERVICE_UNAVAILABLE,
        error: "Internal error, please retry",
    };
    pub const MALFORMED: ClickatellCode = ClickatellCode {
        code: 21,
        status: ErrorStatusCode::BAD_REQUEST,
        error: "Payload data is malformed",
    };
    pub const INVALID_PARAMETER: ClickatellCode = ClickatellCode {
        code: 23,
        status: ErrorStatusCode::BAD_REQUEST,
        error: "Invalid or missing parameter",
    };

    /// The list-response body of this error, `description` saying exactly
    /// what was wrong.
    pub fn body(self, description: impl Into<String>) -> SendMessagesListResponse {
        SendMessagesListResponse {
            messages: Vec::new(),
            error_code: Some(self.code),
            error: Some(self.error.to_string()),
            error_description: Some(description.into()),
            extra: Default::default(),
        }
    }

    pub fn answer(self, description: impl Into<String>) -> ClickatellError {
        ProviderError {
            status: self.status,
            body: Box::new(self.body(description)),
        }
    }
}

impl ErrorBody for SendMessagesListResponse {
    fn from_message(status: ErrorStatusCode, message: String) -> Self {
        let code = match status {
            ErrorStatusCode::UNAUTHORIZED => ClickatellCode::INVALID_KEY,
            ErrorStatusCode::SERVICE_UNAVAILABLE => ClickatellCode::RETRY,
            status if status.as_u16() < 500 => ClickatellCode::MALFORMED,
            _ => ClickatellCode::INTERNAL,
        };
        code.body(message)
    }
}

impl ErrorBody for SendSmsResponse {
    fn from_message(_: ErrorStatusCode, message: String) -> Self {
        SendSmsResponse {
            succeed: Some(false),
            message_id: None,
            extra: [("error".to_string(), serde_json::Value::String(message))]
                .into_iter()
                .collect(),
        }
    }
}

/// ClearLine's answer to a failed send.
pub fn clearline_error(status: ErrorStatusCode, message: impl Into<String>) -> ClearLineError {
    ProviderError {
        status,
        body: Box::new(SendSmsResponse::from_message(status, message.into())),
    }
}
