//! What a spec change does to the Rust API of `smsgate`.
//!
//! The old and the new effective spec of one API are each turned into the
//! client module `build.rs` would compile (the same `smsgate-codegen`), their
//! public APIs are read and compared by the codegen crate, and each changed
//! item is named by its full path under `smsgate::` and traced back to the
//! spec change(s) that caused it. Tracing works on names: a spec change's
//! pointer says which schema, property, operation or parameter it is about,
//! which names the Rust items generated from it (types, fields, builder
//! setters, client methods) up to case and punctuation. It lives in the
//! xtask because it needs both the spec diff and the code generator.

use serde::Serialize;
use serde_json::Value;
use smsgate_codegen::api_diff::{self, ItemChange, Semver};
use smsgate_codegen::surface::{Kind, public_api};
use smsgate_spec_diff::Change;

use crate::apis::Api;

/// The spec change an item change is traced to.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    pub id: String,
    pub pointer: String,
}

/// One changed public item.
#[derive(Debug, Clone, Serialize)]
pub struct RustApiRow {
    /// Its full path, e.g. `smsgate::clickatell::sms_api::types::SendMessageRequest::from`.
    pub item: String,
    /// What kind of item: type, field, variant, builder method, client method...
    pub kind: &'static str,
    pub change: String,
    pub semver: Semver,
    pub causes: Vec<Cause>,
}

/// The Rust API changes of one API, and the bump they need.
#[derive(Debug, Clone, Serialize)]
pub struct RustApi {
    pub rows: Vec<RustApiRow>,
    pub semver: Semver,
}

/// Compares the Rust API generated from `old` and from `new` (effective
/// specs of `api`), tracing each difference to `changes` (the spec diff).
pub fn compare(api: &Api, old: &Value, new: &Value, changes: &[Change]) -> Result<RustApi, String> {
    if old == new {
        return Ok(RustApi {
            rows: Vec::new(),
            semver: Semver::None,
        });
    }
    let surface = |side: &str, spec: &Value| {
        let name = format!("{}.json", api.id);
        let text = serde_json::to_string(spec).expect("JSON values serialise");
        let source = smsgate_codegen::generate_client(&name, &text).map_err(|e| format!("{side} spec: {e}"))?;
        public_api(&source).map_err(|e| format!("{side} spec: the generated module does not parse: {e}"))
    };
    let (before, after) = (surface("old", old)?, surface("new", new)?);
    let rows: Vec<RustApiRow> = api_diff::compare(&before, &after)
        .into_iter()
        .map(|item| row(api, item, old, new, changes))
        .collect();
    // The spec itself ships in the package, so any change is at least a patch.
    let semver = rows.iter().map(|r| r.semver).max().unwrap_or(Semver::Patch);
    Ok(RustApi { rows, semver })
}

fn kind_word(item: &ItemChange) -> &'static str {
    match item.kind {
        Kind::Method if item.path.starts_with("types::builder::") => "builder method",
        Kind::Method if item.path.starts_with("Client::") => "client method",
        Kind::Method if item.path.starts_with("builder::") => "request builder method",
        kind => kind.word(),
    }
}

fn row(api: &Api, item: ItemChange, old: &Value, new: &Value, changes: &[Change]) -> RustApiRow {
    let segments = normalized(item.path.split("::"));
    let causes_where = |keep: &dyn Fn(&Change) -> bool| -> Vec<Cause> {
        changes
            .iter()
            .filter(|c| keep(c))
            .map(|c| Cause {
                id: c.id.clone(),
                pointer: c.pointer.clone(),
            })
            .collect()
    };
    let mut causes = causes_where(&|c| targets(c, old, new).iter().any(|t| related(&segments, t)));
    if causes.is_empty()
        && let [first, op, ..] = segments.as_slice()
        && (first == "builder" || first == "client")
    {
        // An operation's request builder or client method: any change of
        // that operation.
        causes = causes_where(&|c| operation_id(c, old, new).is_some_and(|id| norm(&id) == *op));
    }
    let type_name = match segments.as_slice() {
        [types, builder, name, ..] if types == "types" && builder == "builder" => Some(name),
        [types, name, ..] if types == "types" => Some(name),
        _ => None,
    };
    if causes.is_empty()
        && let Some(name) = type_name
    {
        // A type no change names, such as a new component that a new
        // operation refers to: the changes whose part of the spec refers to it.
        causes = causes_where(&|c| refers_to(c, name, old, new));
    }
    RustApiRow {
        item: format!("smsgate::{}::{}", api.module, item.path),
        kind: kind_word(&item),
        change: item.change,
        semver: item.semver,
        causes,
    }
}

/// Whether the part of either spec a change points at refers to the
/// component schema whose normalized name is `name`.
fn refers_to(change: &Change, name: &str, old: &Value, new: &Value) -> bool {
    [new, old]
        .iter()
        .filter_map(|doc| doc.pointer(&change.pointer))
        .any(|part| {
            part.to_string()
                .split("#/components/schemas/")
                .skip(1)
                .any(|rest| norm(rest.split('"').next().unwrap_or_default()) == name)
        })
}

/// Lower case letters and digits only: how names compare across spec and Rust.
fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn normalized<'a>(segments: impl Iterator<Item = &'a str>) -> Vec<String> {
    segments.map(norm).collect()
}

/// Whether an item and a target name the same thing, or one is inside the other.
fn related(item: &[String], target: &[String]) -> bool {
    let n = item.len().min(target.len());
    n >= 2 && item[..n] == target[..n]
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The operationId of the operation a change is about, from either side.
fn operation_id(change: &Change, old: &Value, new: &Value) -> Option<String> {
    let (method, path) = change.operation.split_once(' ')?;
    let pointer = format!(
        "/paths/{}/{}/operationId",
        path.replace('~', "~0").replace('/', "~1"),
        method.to_ascii_lowercase()
    );
    [new, old]
        .iter()
        .find_map(|doc| doc.pointer(&pointer).and_then(Value::as_str).map(str::to_owned))
}

/// The Rust items (normalized segment paths) a spec change is about.
fn targets(change: &Change, old: &Value, new: &Value) -> Vec<Vec<String>> {
    let segments: Vec<String> = change.pointer.split('/').skip(1).map(unescape).collect();
    let lookup = |pointer: &str| [new, old].iter().find_map(|doc| doc.pointer(pointer).cloned());
    let mut out = Vec::new();
    match segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["components", "schemas", name, rest @ ..] => schema_targets(norm(name), rest, &mut out),
        ["paths", _, method, rest @ ..] if *method != "parameters" => {
            let Some(op) = operation_id(change, old, new).map(|id| norm(&id)) else {
                return out;
            };
            out.push(vec!["client".into(), op.clone()]);
            match rest {
                [] => out.push(vec!["builder".into(), op]),
                ["parameters", index, ..] => {
                    let at = change.pointer.split("/parameters/").next().unwrap_or_default();
                    let param = lookup(&format!("{at}/parameters/{index}/name"));
                    if let Some(name) = param.as_ref().and_then(Value::as_str) {
                        out.push(vec!["builder".into(), op, norm(name)]);
                    }
                }
                ["requestBody", rest @ ..] => {
                    out.push(vec!["builder".into(), op.clone(), "body".into()]);
                    schema_targets(format!("{op}body"), properties_of(rest), &mut out);
                }
                ["responses", _, rest @ ..] => {
                    out.push(vec!["builder".into(), op.clone(), "send".into()]);
                    schema_targets(format!("{op}response"), properties_of(rest), &mut out);
                }
                _ => out.push(vec!["builder".into(), op]),
            }
        }
        ["paths", _, "parameters", ..] => {
            if let Some(op) = operation_id(change, old, new) {
                out.push(vec!["builder".into(), norm(&op)]);
            }
        }
        _ => {}
    }
    out
}

/// The part of a body's pointer from its schema on (`.../schema/...`).
fn properties_of<'s>(rest: &'s [&'s str]) -> &'s [&'s str] {
    match rest.iter().position(|s| *s == "schema") {
        Some(i) => &rest[i + 1..],
        None => &[],
    }
}

/// The items of a type named `owner` (normalized) for the property path
/// `rest` (`properties/a/properties/b`): its field and builder setter, and
/// the type typify names after an inline property (`OwnerA`).
fn schema_targets(owner: String, rest: &[&str], out: &mut Vec<Vec<String>>) {
    let mut owner = owner;
    let mut property: Option<String> = None;
    let mut it = rest.iter();
    while let Some(segment) = it.next() {
        match *segment {
            "properties" => {
                let Some(name) = it.next() else { break };
                if let Some(previous) = property.take() {
                    owner.push_str(&previous);
                }
                property = Some(norm(name));
            }
            "items" | "additionalProperties" => {}
            _ => break,
        }
    }
    let types = || vec!["types".to_owned()];
    match property {
        Some(p) => {
            out.push([types(), vec![owner.clone(), p.clone()]].concat());
            out.push([types(), vec!["builder".into(), owner.clone(), p.clone()]].concat());
            out.push([types(), vec![format!("{owner}{p}")]].concat());
        }
        None => out.push([types(), vec![owner]].concat()),
    }
}

#[cfg(test)]
mod consumer;
#[cfg(test)]
mod tests;
