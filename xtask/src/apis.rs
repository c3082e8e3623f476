//! The six provider APIs: where each one's source lives and which side of it we are.

/// Which side of the API smsgate is on: it decides which changes break us.
pub use smsgate_spec_diff::Role;

/// How an API's source document becomes OpenAPI.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A provider's markdown page with one embedded OpenAPI document per
    /// operation, merged into one spec.
    MarkdownPage(&'static str),
    /// An OpenAPI document (YAML or JSON), hand-authored from a provider's
    /// prose where it publishes no OpenAPI.
    OpenApi(&'static str),
}

impl Source {
    /// Path relative to `openapi/upstream/`.
    pub fn path(self) -> &'static str {
        match self {
            Source::MarkdownPage(path) | Source::OpenApi(path) => path,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// The api id (a contract): also the name of `openapi/<id>.json` and
    /// `openapi/overlays/<id>.yaml`.
    pub id: &'static str,
    pub role: Role,
    pub source: Source,
    /// Where `build.rs`'s client of it sits under `smsgate::`.
    pub module: &'static str,
}

pub const APIS: &[Api] = &[
    Api {
        id: "clickatell-sms-api",
        role: Role::Provider,
        source: Source::MarkdownPage("clickatell/003_034f688c0650f8ca.txt"),
        module: "clickatell::sms_api",
    },
    Api {
        id: "clickatell-sms-callbacks",
        role: Role::Callbacks,
        source: Source::MarkdownPage("clickatell/000_690364af323e43ee.txt"),
        module: "clickatell::sms_callbacks",
    },
    Api {
        id: "clickatell-one-api-callbacks",
        role: Role::Callbacks,
        source: Source::MarkdownPage("clickatell/001_f60ccb3e278e68d8.txt"),
        module: "clickatell::one_api_callbacks",
    },
    Api {
        id: "smarthive-callbacks",
        role: Role::Callbacks,
        source: Source::OpenApi("smarthive/smarthive-callbacks.yaml"),
        module: "smarthive::callbacks",
    },
    Api {
        id: "clearline-sms-api",
        role: Role::Provider,
        source: Source::OpenApi("clearline/clearline-sms-api.yaml"),
        module: "clearline::sms_api",
    },
    Api {
        id: "clearline-callbacks",
        role: Role::Callbacks,
        source: Source::OpenApi("clearline/clearline-callbacks.yaml"),
        module: "clearline::callbacks",
    },
];
