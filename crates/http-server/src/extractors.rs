//! Extractors that document a request's schema but leave the request raw.
//!
//! dropshot's `TypedBody`/`Query` would reject a sloppy payload with a 400
//! before our code sees it (and `TypedBody` reads the body before
//! authentication), while `UntypedBody` hides the schema from the OpenAPI
//! document. These report the type `T` in the document, like
//! `TypedBody<T>`/`Query<T>`, and hand the handler the raw query string or
//! the still-unread body. The receiver's callback routes use them to check
//! the secret and the size before reading a byte and to keep the body exactly
//! as sent; the simulator's provider routes (crates/simulator-api) use them
//! to check the API key first and to validate the request against the
//! provider's spec itself, with the spec's own error answers.

use std::marker::PhantomData;

use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, Query, RequestContext, ServerContext,
    SharedExtractor, TypedBody,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A GET request's raw query string, documented as the parameters of `T`.
pub struct RawQuery<T> {
    pub raw: String,
    _schema: PhantomData<fn() -> T>,
}

#[async_trait::async_trait]
impl<T: JsonSchema + DeserializeOwned + Send + Sync + 'static> SharedExtractor for RawQuery<T> {
    async fn from_request<Context: ServerContext>(rqctx: &RequestContext<Context>) -> Result<Self, HttpError> {
        let raw = rqctx.request.uri().query().unwrap_or_default().to_string();
        Ok(RawQuery {
            raw,
            _schema: PhantomData,
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Query<T> as SharedExtractor>::metadata(body_content_type)
    }
}

/// A request's body, not yet read, documented as a JSON `T`.
pub struct RawBody<T> {
    pub body: dropshot::Body,
    _schema: PhantomData<fn() -> T>,
}

#[async_trait::async_trait]
impl<T: JsonSchema + DeserializeOwned + Send + Sync + 'static> ExclusiveExtractor for RawBody<T> {
    async fn from_request<Context: ServerContext>(
        _rqctx: &RequestContext<Context>,
        request: hyper::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        Ok(RawBody {
            body: request.into_body(),
            _schema: PhantomData,
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(body_content_type)
    }
}
