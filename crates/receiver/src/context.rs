//! What the handlers of one listener share ([`ReceiverContext`]) and which
//! surfaces that listener serves ([`Surfaces`]). It imports nothing else of
//! the crate but its leaf modules (secrets, metrics), so that the entry
//! points, the ingest path and the server start can all depend on it
//! without depending on each other.

use std::sync::Arc;
use std::time::Duration;

use dropshot::{ClientErrorStatusCode, HttpError, RequestContext};
use smsgate_console::session::SessionKey;
use smsgate_store::Store;

use crate::metrics::Metrics;
use crate::secrets::Secrets;
use smsgate_dispatch::Sending;
use smsgate_export::Exports;

/// Which surfaces a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surfaces {
    /// Callbacks and the query API on one address (the default).
    Both,
    /// The internet-facing callback address, when the query API has its own.
    Callbacks,
    /// The query API's own address.
    Query,
}

impl Surfaces {
    pub(crate) fn callbacks(self) -> bool {
        matches!(self, Surfaces::Both | Surfaces::Callbacks)
    }

    pub(crate) fn query(self) -> bool {
        matches!(self, Surfaces::Both | Surfaces::Query)
    }
}

/// What every request of one listener shares.
pub struct ReceiverContext {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) secrets: Secrets,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
    pub(crate) surfaces: Surfaces,
    /// Sending through `/v1/outbound`, when routes are configured.
    pub(crate) sending: Option<Sending>,
    /// What the console's session cookies are signed with.
    pub(crate) session_key: SessionKey,
    /// Served over HTTPS (the session cookie is then `Secure`).
    pub(crate) https: bool,
    /// The exports `serve` runs, when `[[exports]]` are configured.
    pub(crate) exports: Option<Exports>,
}

impl ReceiverContext {
    fn not_here() -> HttpError {
        HttpError::for_client_error(None, ClientErrorStatusCode::NOT_FOUND, "Not Found".into())
    }

    pub(crate) fn require_callbacks(&self) -> Result<(), HttpError> {
        if self.surfaces.callbacks() {
            Ok(())
        } else {
            Err(Self::not_here())
        }
    }

    pub(crate) fn require_query(&self) -> Result<(), HttpError> {
        if self.surfaces.query() {
            Ok(())
        } else {
            Err(Self::not_here())
        }
    }

    /// The query API's checks: served here, and the bearer token is right.
    pub(crate) fn require_api_token(&self, rqctx: &RequestContext<ReceiverContext>) -> Result<(), HttpError> {
        self.require_query()?;
        let authorization = rqctx
            .request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if self.secrets.api_authorized(authorization) {
            return Ok(());
        }
        Err(HttpError::for_client_error(
            None,
            ClientErrorStatusCode::UNAUTHORIZED,
            "missing or wrong API token: send `Authorization: Bearer SMSGATE_API_TOKEN`".into(),
        )
        .with_header(http::header::WWW_AUTHENTICATE, "Bearer")
        .expect("a valid header"))
    }
}
