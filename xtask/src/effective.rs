//! Upstream document + overlay -> effective spec, the file build.rs compiles.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::apis::{Api, Source};
use crate::import::{self, ImportError};
use crate::overlay::{self, ActionReport};
use crate::{audit, merge};

/// Everything that can stop an effective spec from being built.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("openapi/overlays/{api}.yaml: {problem}")]
    InvalidOverlay { api: String, problem: String },
}

/// The effective spec of one API, and what its overlay did.
pub struct Effective {
    /// The upstream document as imported (merged), before overlays.
    pub upstream: Value,
    pub spec: Value,
    pub overlay: Vec<ActionReport>,
    /// Broken rules for received schemas (see [`audit`]).
    pub violations: Vec<String>,
    /// What the upstream document lacked and how it was read (an operation
    /// without `responses`, a response without `description`).
    pub notes: Vec<String>,
}

impl Effective {
    /// The file's contents: pretty JSON, keys in upstream order, trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.spec).expect("JSON values serialise");
        text.push('\n');
        text
    }
}

pub fn openapi_dir(root: &Path) -> PathBuf {
    root.join("openapi")
}

pub fn effective_path(root: &Path, api: &Api) -> PathBuf {
    openapi_dir(root).join(format!("{}.json", api.id))
}

fn overlay_path(root: &Path, api: &Api) -> PathBuf {
    openapi_dir(root).join("overlays").join(format!("{}.yaml", api.id))
}

/// Where `api`'s vendored upstream document lives.
pub fn upstream_path(root: &Path, api: &Api) -> PathBuf {
    openapi_dir(root).join("upstream").join(api.source.path())
}

/// The name upstream documents are reported by.
pub fn upstream_name(api: &Api) -> String {
    format!("openapi/upstream/{}", api.source.path())
}

/// The vendored upstream document of `api`, as text.
pub fn vendored_upstream(root: &Path, api: &Api) -> Result<String, ImportError> {
    let path = upstream_path(root, api);
    fs::read_to_string(&path)
        .map_err(|e| ImportError::new(upstream_name(api), format!("cannot read {}: {e}", path.display())))
}

/// Reads an upstream document of `api` into one OpenAPI value.
pub fn import_upstream(api: &Api, text: &str) -> Result<Value, ImportError> {
    let name = upstream_name(api);
    match api.source {
        Source::MarkdownPage(_) => merge::merge(&name, &import::embedded_documents(&name, text)?),
        Source::OpenApi(_) => import::openapi_document(&name, text),
    }
}

/// Builds the effective spec of `api` from the vendored upstream document.
#[cfg(test)]
pub fn build(root: &Path, api: &Api) -> Result<Effective, PipelineError> {
    build_from(root, api, &vendored_upstream(root, api)?)
}

/// Builds the effective spec of `api` from `upstream` (the vendored document
/// or a new version of it) and the overlay under `root/openapi`.
pub fn build_from(root: &Path, api: &Api, upstream: &str) -> Result<Effective, PipelineError> {
    let mut upstream = import_upstream(api, upstream)?;
    let notes = smsgate_spec_diff::lenient::repair(&mut upstream, "upstream");
    let mut spec = upstream.clone();
    let overlay_file = overlay_path(root, api);
    let overlay = if overlay_file.exists() {
        let invalid = |problem: String| PipelineError::InvalidOverlay {
            api: api.id.into(),
            problem,
        };
        let text = fs::read_to_string(&overlay_file).map_err(|e| invalid(e.to_string()))?;
        let parsed = overlay::parse(&text).map_err(invalid)?;
        overlay::apply(&parsed, &mut spec).map_err(|e| invalid(e.to_string()))?
    } else {
        Vec::new()
    };
    let spec = with_generated_marker(spec, api);
    let name = format!("openapi/{}.json", api.id);
    check_openapi_30(&name, &spec)?;
    let violations = audit::received_schema_violations(&spec, api.role);
    Ok(Effective {
        upstream,
        spec,
        overlay,
        violations,
        notes,
    })
}

fn with_generated_marker(spec: Value, api: &Api) -> Value {
    let mut marked = Map::new();
    marked.insert(
        "x-generated".into(),
        Value::String(format!(
            "Do not edit. Written by `cargo xtask regen` from openapi/upstream/{} and openapi/overlays/{}.yaml.",
            api.source.path(),
            api.id
        )),
    );
    if let Value::Object(fields) = spec {
        marked.extend(fields.into_iter().filter(|(k, _)| k != "x-generated"));
    }
    Value::Object(marked)
}

/// The spec must be OpenAPI 3.0 that progenitor can generate a client for.
fn check_openapi_30(name: &str, spec: &Value) -> Result<(), ImportError> {
    let version = spec.get("openapi").and_then(Value::as_str).unwrap_or_default();
    if !version.starts_with("3.0.") {
        return Err(ImportError::new(
            name,
            format!("OpenAPI version is `{version}`; expected 3.0.x"),
        ));
    }
    let text = serde_json::to_string(spec).expect("JSON values serialise");
    smsgate_codegen::generate_client(name.trim_start_matches("openapi/"), &text)
        .map_err(|e| ImportError::new(name, e.to_string()))?;
    Ok(())
}
