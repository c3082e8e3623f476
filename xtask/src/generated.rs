//! The one registry of the OpenAPI documents generated from our own dropshot
//! traits: where each is committed, and what generates it. `cargo xtask
//! regen --accept` writes them; `--check` (and its test) fails when one is
//! stale. The provider specs are the other committed documents; their
//! registry is [`crate::apis`].

use serde_json::{Value, json};

/// A document generated from one of our API traits.
pub struct GeneratedDocument {
    /// Where it is committed, relative to the workspace root.
    pub path: &'static str,
    /// The dropshot API trait, and the crate that holds it.
    pub api_trait: &'static str,
    pub api_crate: &'static str,
    pub generate: fn() -> Value,
}

/// Every generated document. Only the query API's sits in `openapi/`
/// itself, where build.rs makes a client (`smsgate::api`) of every spec; the
/// servers' whole documents, for the contract tests, sit under
/// `openapi/server/`.
pub const GENERATED_DOCUMENTS: &[GeneratedDocument] = &[
    GeneratedDocument {
        path: "openapi/smsgate-api.json",
        api_trait: "ReceiverApi",
        api_crate: "crates/receiver-api",
        generate: smsgate_receiver_api::query_api_openapi,
    },
    GeneratedDocument {
        path: "openapi/server/smsgate-receiver.json",
        api_trait: "ReceiverApi",
        api_crate: "crates/receiver-api",
        generate: smsgate_receiver_api::receiver_openapi,
    },
    GeneratedDocument {
        path: "openapi/server/smsgate-simulator.json",
        api_trait: "SimulatorApi",
        api_crate: "crates/simulator-api",
        generate: smsgate_simulator_api::openapi::simulator_openapi,
    },
];

impl GeneratedDocument {
    /// The document as committed: `x-generated` first, saying where it comes
    /// from, then pretty-printed with a final newline.
    pub fn contents(&self) -> String {
        let notice = format!(
            "Do not edit. Generated from the {} trait ({}) by `cargo xtask regen --accept`.",
            self.api_trait, self.api_crate
        );
        let mut marked = serde_json::Map::new();
        marked.insert("x-generated".into(), json!(notice));
        marked.extend(
            (self.generate)()
                .as_object()
                .expect("a generated document is an object")
                .clone(),
        );
        let mut text = serde_json::to_string_pretty(&Value::Object(marked)).expect("documents serialise");
        text.push('\n');
        text
    }
}
