//! The query strings and paths of the console's pages (`/ui/`). Every field
//! is an optional string: a page reads them leniently and says in the page
//! what it could not use, where dropshot's typed parsing would answer a
//! stray character in a form field with a JSON 400.

use schemars::JsonSchema;
use serde::Deserialize;

/// `GET /ui/sign-in`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SignInQuery {
    /// The console page to go back to after signing in.
    pub next: Option<String>,
}

/// `GET /ui/messages`: the search form's fields, and the page after `after`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MessagesQuery {
    pub id: Option<String>,
    pub outbound: Option<String>,
    pub to: Option<String>,
    pub provider: Option<String>,
    pub status: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub tz: Option<String>,
    pub after: Option<String>,
}

/// `GET /ui/providers`: the window of the figures.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProvidersQuery {
    pub window: Option<String>,
}

/// `GET /ui/message`: one provider message.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MessageQuery {
    pub provider: Option<String>,
    pub id: Option<String>,
}

/// `GET /ui/outbound`: one message sent through smsgate.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OutboundQuery {
    pub id: Option<String>,
}

/// `GET /ui/inbound`: a page of the inbound feed.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct InboundQuery {
    pub after: Option<String>,
}

/// `GET /ui/quarantine`: the notice of the replay that redirected here.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QuarantineQuery {
    pub replayed: Option<String>,
    pub stored: Option<String>,
    pub duplicates: Option<String>,
    pub still: Option<String>,
    pub gone: Option<String>,
}

/// `GET /ui/assets/{name}`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AssetPath {
    pub name: String,
}
