//! The effective specs, as committed under `openapi/`.

use std::path::PathBuf;

use serde_json::Value;

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `openapi/<api>.json`.
pub fn effective_path(api: &str) -> PathBuf {
    workspace_root().join("openapi").join(format!("{api}.json"))
}

/// `openapi/<api>.json`, parsed.
pub fn load(api: &str) -> Value {
    let path = effective_path(api);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The operation with `operation_id` in `spec`: its path, method and object.
pub fn operation<'a>(spec: &'a Value, operation_id: &str) -> (&'a str, &'a str, &'a Value) {
    spec["paths"]
        .as_object()
        .expect("the spec has paths")
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item is an object");
            methods
                .iter()
                .map(move |(method, op)| (path.as_str(), method.as_str(), op))
        })
        .find(|(_, _, op)| op["operationId"] == operation_id)
        .unwrap_or_else(|| panic!("no operation {operation_id} in the spec"))
}
