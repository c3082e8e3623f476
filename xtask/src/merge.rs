//! Merging the one-operation OpenAPI documents of a provider page into one spec.
//!
//! Clickatell publishes each operation as a complete document with its own
//! copy of the shared components. Identical copies merge silently; a component,
//! tag, server list or info block that differs between two documents is a
//! conflict, reported with both places rather than resolved by picking one.
//! A document's top-level `security` applies to its own operations only, so it
//! moves into each of them: in the merged spec it would wrongly cover all.

use serde_json::{Map, Value};

use crate::import::{EmbeddedDocument, ImportError};

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A place where two embedded documents disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// JSON pointer into the merged spec.
    pub pointer: String,
    pub first: String,
    pub second: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} differs between \"{}\" and \"{}\"",
            self.pointer, self.first, self.second
        )
    }
}

struct Merger {
    merged: Map<String, Value>,
    /// For each JSON pointer already merged, the heading of the document that set it.
    origin: Map<String, Value>,
    conflicts: Vec<Conflict>,
}

impl Merger {
    /// Puts `value` at `pointer` (under `parent`), or checks it equals what is there.
    fn place(&mut self, parent: &[&str], key: &str, value: &Value, heading: &str) {
        let pointer = pointer(parent, key);
        let mut node = &mut self.merged;
        for segment in parent {
            node = node
                .entry(segment.to_string())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("merge parents are objects");
        }
        match node.get(key) {
            None => {
                node.insert(key.to_string(), value.clone());
                self.origin.insert(pointer, Value::String(heading.to_string()));
            }
            Some(existing) if existing == value => {}
            Some(_) => {
                let first = self.origin.get(&pointer).and_then(Value::as_str).unwrap_or_default();
                self.conflicts.push(Conflict {
                    pointer,
                    first: first.into(),
                    second: heading.into(),
                });
            }
        }
    }

    fn add(&mut self, doc: &EmbeddedDocument) -> Result<(), String> {
        let Some(top) = doc.document.as_object() else {
            return Err(format!("the document under \"{}\" is not a JSON object", doc.heading));
        };
        let security = top.get("security");
        for (key, value) in top {
            match key.as_str() {
                "security" => {}
                "paths" => self.add_paths(value, security, &doc.heading)?,
                "components" => {
                    for (section, entries) in value.as_object().into_iter().flatten() {
                        for (name, entry) in entries.as_object().into_iter().flatten() {
                            self.place(&["components", section], name, entry, &doc.heading);
                        }
                    }
                }
                "tags" => {
                    for tag in value.as_array().into_iter().flatten() {
                        let name = tag.get("name").and_then(Value::as_str).unwrap_or_default();
                        self.place(&["x-tags-by-name"], name, tag, &doc.heading);
                    }
                }
                _ => self.place(&[], key, value, &doc.heading),
            }
        }
        Ok(())
    }

    fn add_paths(&mut self, paths: &Value, security: Option<&Value>, heading: &str) -> Result<(), String> {
        for (path, item) in paths.as_object().into_iter().flatten() {
            let Some(item) = item.as_object() else {
                return Err(format!("path {path} under \"{heading}\" is not an object"));
            };
            for (field, value) in item {
                let mut value = value.clone();
                if HTTP_METHODS.contains(&field.as_str())
                    && let (Some(op), Some(security)) = (value.as_object_mut(), security)
                {
                    op.entry("security").or_insert_with(|| security.clone());
                }
                self.place(&["paths", path], field, &value, heading);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Value {
        // Tags were keyed by name to detect conflicts; the spec lists them.
        if let Some(Value::Object(tags)) = self.merged.remove("x-tags-by-name") {
            self.merged
                .insert("tags".into(), Value::Array(tags.into_iter().map(|(_, t)| t).collect()));
        }
        let order = ["openapi", "info", "servers", "tags", "paths", "components"];
        let mut ordered = Map::new();
        for key in order {
            if let Some(value) = self.merged.remove(key) {
                ordered.insert(key.into(), value);
            }
        }
        ordered.extend(self.merged);
        Value::Object(ordered)
    }
}

fn pointer(parent: &[&str], key: &str) -> String {
    let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
    let mut out = String::new();
    for segment in parent.iter().copied().chain([key]) {
        out.push('/');
        out.push_str(&escape(segment));
    }
    out
}

/// Merges `docs` (from the page `name`) into one spec; conflicts are an import
/// error listing each one.
pub fn merge(name: &str, docs: &[EmbeddedDocument]) -> Result<Value, ImportError> {
    let mut merger = Merger {
        merged: Map::new(),
        origin: Map::new(),
        conflicts: Vec::new(),
    };
    for doc in docs {
        merger.add(doc).map_err(|problem| ImportError::new(name, problem))?;
    }
    if !merger.conflicts.is_empty() {
        let list: Vec<String> = merger.conflicts.iter().map(|c| format!("  - {c}")).collect();
        return Err(ImportError::new(
            name,
            format!("the embedded documents conflict:\n{}", list.join("\n")).replace("/x-tags-by-name/", "/tags/"),
        ));
    }
    Ok(merger.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(heading: &str, document: Value) -> EmbeddedDocument {
        EmbeddedDocument {
            heading: heading.into(),
            document,
        }
    }

    #[test]
    fn merges_identical_components_and_moves_security_into_operations() {
        let a = doc(
            "POST /a",
            json!({
                "openapi": "3.0.1", "info": {"title": "t", "version": "1"},
                "security": [{"key": []}],
                "paths": {"/a": {"post": {"operationId": "a"}}},
                "components": {"schemas": {"S": {"type": "string"}}, "securitySchemes": {"key": {"type": "apiKey"}}}
            }),
        );
        let b = doc(
            "GET /b",
            json!({
                "openapi": "3.0.1", "info": {"title": "t", "version": "1"},
                "paths": {"/b": {"get": {"operationId": "b"}}},
                "components": {"schemas": {"S": {"type": "string"}}}
            }),
        );
        let merged = merge("page", &[a, b]).unwrap();
        assert_eq!(merged["paths"]["/a"]["post"]["security"], json!([{"key": []}]));
        assert_eq!(merged["paths"]["/b"]["get"].get("security"), None);
        assert_eq!(merged.get("security"), None);
        assert_eq!(merged["components"]["schemas"]["S"], json!({"type": "string"}));
    }

    #[test]
    fn reports_conflicting_components_with_both_places() {
        let a = doc("POST /a", json!({"components": {"schemas": {"S": {"type": "string"}}}}));
        let b = doc("GET /b", json!({"components": {"schemas": {"S": {"type": "integer"}}}}));
        let err = merge("page", &[a, b]).unwrap_err();
        assert_eq!(
            err.problem,
            "the embedded documents conflict:\n  - /components/schemas/S differs between \"POST /a\" and \"GET /b\""
        );
    }

    #[test]
    fn the_same_operation_twice_is_a_conflict_but_methods_of_one_path_merge() {
        let get = doc("GET /a", json!({"paths": {"/a": {"get": {"operationId": "g"}}}}));
        let post = doc("POST /a", json!({"paths": {"/a": {"post": {"operationId": "p"}}}}));
        let post2 = doc(
            "POST /a again",
            json!({"paths": {"/a": {"post": {"operationId": "q"}}}}),
        );
        let merged = merge("page", &[get.clone(), post.clone()]).unwrap();
        assert_eq!(merged["paths"]["/a"].as_object().unwrap().len(), 2);
        let err = merge("page", &[get, post, post2]).unwrap_err();
        assert!(
            err.problem
                .contains("/paths/~1a/post differs between \"POST /a\" and \"POST /a again\"")
        );
    }

    #[test]
    fn tags_merge_by_name() {
        let a = doc("a", json!({"tags": [{"name": "x"}]}));
        let b = doc("b", json!({"tags": [{"name": "x"}, {"name": "y"}]}));
        assert_eq!(
            merge("page", &[a, b]).unwrap()["tags"],
            json!([{"name": "x"}, {"name": "y"}])
        );
        let c = doc("c", json!({"tags": [{"name": "x", "description": "other"}]}));
        let d = doc("d", json!({"tags": [{"name": "x"}]}));
        let err = merge("page", &[c, d]).unwrap_err();
        assert!(err.problem.contains("/tags/x differs"), "{}", err.problem);
    }
}
