//! The spec shapes progenitor 0.15 panics on instead of returning an error.
//!
//! Each check mirrors a `todo!`, `assert!` or `unwrap` in progenitor-impl's
//! `method.rs`; when progenitor learns to handle a shape, its check can go.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use openapiv3::{Components, OpenAPI, Operation, ReferenceOr, RequestBody, Response, StatusCode};

/// One reason progenitor cannot generate a client for a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    /// `METHOD /path`, as in the spec.
    pub operation: String,
    pub problem: String,
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.problem)
    }
}

/// Every shape in `api` that would make progenitor panic; empty when it can
/// generate a client.
pub fn preflight(api: &OpenAPI) -> Vec<Incompatibility> {
    let mut problems = Vec::new();
    let mut first_use: BTreeMap<&str, String> = BTreeMap::new();
    for (path, method, op) in api.operations() {
        let operation = format!("{} {path}", method.to_uppercase());
        let mut report = |problem: String| {
            problems.push(Incompatibility {
                operation: operation.clone(),
                problem,
            })
        };
        match op.operation_id.as_deref() {
            None => report("has no operationId".into()),
            Some(id) => match first_use.get(id) {
                Some(other) => report(format!("operationId `{id}` is also used by {other}")),
                None => {
                    first_use.insert(id, operation.clone());
                }
            },
        }
        if let Some(body) = request_body(op, api.components.as_ref()) {
            if body.content.len() > 1 {
                let types: Vec<_> = body.content.keys().map(String::as_str).collect();
                report(format!(
                    "request body has {} media types ({}); keep one",
                    types.len(),
                    types.join(", ")
                ));
            }
            if body.content.values().any(|mt| !mt.encoding.is_empty()) {
                report("request body media type has an `encoding`".into());
            }
        }
        check_responses(op, api.components.as_ref(), &mut report);
        check_path_parameters(path, op, &mut report);
    }
    problems
}

fn request_body<'a>(op: &'a Operation, components: Option<&'a Components>) -> Option<&'a RequestBody> {
    match op.request_body.as_ref()? {
        ReferenceOr::Item(body) => Some(body),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            match components?.request_bodies.get(name)? {
                ReferenceOr::Item(body) => Some(body),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn response<'a>(r: &'a ReferenceOr<Response>, components: Option<&'a Components>) -> Option<&'a Response> {
    match r {
        ReferenceOr::Item(response) => Some(response),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match components?.responses.get(name)? {
                ReferenceOr::Item(response) => Some(response),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.starts_with("application/json;")
}

/// progenitor types each response by its JSON schema (or as raw / empty) and
/// asserts that all success responses share one type.
fn check_responses(op: &Operation, components: Option<&Components>, report: &mut impl FnMut(String)) {
    let mut success_kinds = BTreeSet::new();
    for (status, r) in &op.responses.responses {
        let Some(r) = response(r, components) else { continue };
        let json = r.content.iter().find(|(mt, _)| is_json(mt)).map(|(_, v)| v);
        if let Some(mt) = json {
            if mt.schema.is_none() {
                report(format!("response {status} has a JSON media type without a schema"));
            }
            if !mt.encoding.is_empty() {
                report(format!("response {status} JSON media type has an `encoding`"));
            }
        }
        let success = match status {
            StatusCode::Code(code) => (200..300).contains(code),
            StatusCode::Range(range) => *range == 2,
        };
        if success {
            let kind = match (json, r.content.is_empty()) {
                (Some(mt), _) => serde_json::to_string(&mt.schema).unwrap_or_default(),
                (None, true) => "no content".into(),
                (None, false) => "raw bytes".into(),
            };
            success_kinds.insert(kind);
        }
    }
    if success_kinds.len() > 1 {
        report(format!(
            "its success responses have {} different body types; progenitor supports one",
            success_kinds.len()
        ));
    }
}

fn check_path_parameters(path: &str, op: &Operation, report: &mut impl FnMut(String)) {
    let in_template: BTreeSet<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    let declared: BTreeSet<&str> = op
        .parameters
        .iter()
        .filter_map(|p| match p {
            ReferenceOr::Item(openapiv3::Parameter::Path { parameter_data, .. }) => Some(parameter_data.name.as_str()),
            _ => None,
        })
        .collect();
    for missing in in_template.difference(&declared) {
        report(format!("path parameter `{missing}` is not declared"));
    }
    for extra in declared.difference(&in_template) {
        report(format!("path parameter `{extra}` is not in the path"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(paths: serde_json::Value) -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths
        }))
        .unwrap()
    }

    fn problems(paths: serde_json::Value) -> Vec<String> {
        preflight(&spec(paths)).iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn accepts_a_plain_operation() {
        let found = problems(serde_json::json!({"/a/{id}": {"get": {
            "operationId": "getA",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}}}
        }}}));
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn finds_each_shape_progenitor_panics_on() {
        let found = problems(serde_json::json!({
            "/two-media": {"post": {
                "operationId": "twoMedia",
                "requestBody": {"content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/xml": {"schema": {"type": "object"}}
                }},
                "responses": {"200": {"description": "ok"}}
            }},
            "/no-id": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/dup": {"get": {"operationId": "twoMedia", "responses": {"200": {"description": "ok"}}}},
            "/two-success": {"get": {"operationId": "twoSuccess", "responses": {
                "200": {"description": "a", "content": {"application/json": {"schema": {"type": "string"}}}},
                "202": {"description": "b", "content": {"application/json": {"schema": {"type": "integer"}}}}
            }}},
            "/p/{missing}": {"get": {"operationId": "p", "responses": {"200": {"description": "ok"}}}}
        }));
        assert_eq!(
            found,
            vec![
                "POST /two-media: request body has 2 media types (application/json, application/xml); keep one",
                "GET /no-id: has no operationId",
                "GET /dup: operationId `twoMedia` is also used by POST /two-media",
                "GET /two-success: its success responses have 2 different body types; progenitor supports one",
                "GET /p/{missing}: path parameter `missing` is not declared",
            ]
        );
    }
}
