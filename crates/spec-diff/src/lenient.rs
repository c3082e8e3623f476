//! Reading documents as leniently as oasdiff does, before they are parsed.
//!
//! Providers publish documents that break a rule `openapiv3` enforces
//! strictly: an operation without `responses`, a response without its
//! `description`. Refusing the whole document for that would hide every
//! real change in it, so the missing parts are filled in with what they
//! mean (no responses, an empty description), and each repair is returned
//! as a note for the report. It works on the JSON value and imports nothing
//! of the crate.

use serde_json::{Map, Value};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Fills in what `doc` is missing; one note per repair, naming `side`.
pub fn repair(doc: &mut Value, side: &str) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let what = format!("{} {path}", method.to_ascii_uppercase());
                if !op.contains_key("responses") {
                    op.insert("responses".into(), Value::Object(Map::new()));
                    notes.push(format!("the {side} document: {what} has no `responses`; read as none"));
                }
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    describe(responses, &format!("the {side} document: {what}"), &mut notes);
                }
            }
        }
    }
    let components = doc.pointer_mut("/components/responses").and_then(Value::as_object_mut);
    if let Some(responses) = components {
        describe(responses, &format!("the {side} document: components"), &mut notes);
    }
    notes
}

/// Gives every response without a `description` (and not a `$ref`) an empty one.
fn describe(responses: &mut Map<String, Value>, what: &str, notes: &mut Vec<String>) {
    for (code, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        if response.contains_key("$ref") || response.contains_key("description") {
            continue;
        }
        response.insert("description".into(), Value::String(String::new()));
        notes.push(format!("{what}: response `{code}` has no `description`; read as empty"));
    }
}
