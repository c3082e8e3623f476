//! Which provider API a message goes through, and what that implies: the
//! provider id the receiver files it under, the key's environment variable,
//! the production URL.

use std::fmt;
use std::str::FromStr;

use smsgate_normalize::Provider;

use crate::message::Outgoing;

/// A provider's send API, as `--provider` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Clickatell's REST API: `POST /messages`, and `POST /messages/rest/bulk` for many.
    Clickatell,
    /// Clickatell's HTTP integration: `GET /messages/http/send`, one message per request.
    ClickatellHttp,
    /// ClearLine: `POST /MessageSender/sms`, one message per request.
    Clearline,
}

impl Route {
    pub const ALL: [Route; 3] = [Route::Clickatell, Route::ClickatellHttp, Route::Clearline];

    /// The name `--provider` takes.
    pub fn name(self) -> &'static str {
        match self {
            Route::Clickatell => "clickatell",
            Route::ClickatellHttp => "clickatell-http",
            Route::Clearline => "clearline",
        }
    }

    /// The provider id (a contract): both Clickatell APIs are `clickatell`.
    pub fn provider(self) -> Provider {
        match self {
            Route::Clickatell | Route::ClickatellHttp => Provider::Clickatell,
            Route::Clearline => Provider::Clearline,
        }
    }

    /// The environment variable holding the key (never a flag).
    pub fn key_env(self) -> &'static str {
        match self {
            Route::Clickatell | Route::ClickatellHttp => "SMSGATE_CLICKATELL_API_KEY",
            Route::Clearline => "SMSGATE_CLEARLINE_API_KEY",
        }
    }

    /// The provider's production server, from its spec.
    pub fn production_url(self) -> &'static str {
        match self {
            Route::Clickatell | Route::ClickatellHttp => smsgate::clickatell::sms_api::PLATFORM_URL,
            Route::Clearline => smsgate::clearline::sms_api::PRODUCTION_URL,
        }
    }

    /// The method and path of the request that submits a message (`bulk`:
    /// Clickatell's bulk endpoint), as kept with a recorded submission.
    pub fn submit_request(self, bulk: bool) -> (&'static str, &'static str) {
        match (self, bulk) {
            (Route::Clickatell, true) => ("POST", "/messages/rest/bulk"),
            (Route::Clickatell, false) => ("POST", "/messages"),
            (Route::ClickatellHttp, _) => ("GET", "/messages/http/send"),
            (Route::Clearline, _) => ("POST", "/MessageSender/sms"),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field of a message that the route's API has no place for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{route} takes no {field}: only Clickatell's APIs have one")]
pub struct NotTaken {
    pub route: Route,
    pub field: &'static str,
}

impl Route {
    /// Refuses a message with a field the API would have to drop (ClearLine
    /// has no sender number and no client message id), rather than
    /// sending it without.
    pub fn check(self, message: &Outgoing) -> Result<(), NotTaken> {
        let not_taken = |field| Err(NotTaken { route: self, field });
        match (self, &message.from, &message.client_message_id) {
            (Route::Clearline, Some(_), _) => not_taken("from (sender number)"),
            (Route::Clearline, _, Some(_)) => not_taken("client_message_id"),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider `{0}`: expected clickatell, clickatell-http or clearline")]
pub struct UnknownRoute(pub String);

impl FromStr for Route {
    type Err = UnknownRoute;

    fn from_str(name: &str) -> Result<Route, UnknownRoute> {
        Route::ALL
            .into_iter()
            .find(|route| route.name() == name)
            .ok_or_else(|| UnknownRoute(name.to_string()))
    }
}
