//! OpenAPI Overlay 1.x, applied strictly.
//!
//! An overlay is how a local fix of an upstream bug is written down, so each
//! action must say why (`description`), and an action that matches nothing or
//! changes nothing is *stale*: upstream changed or fixed what it was written
//! for, and someone must look. Supported: `update` and `remove` (1.0) and
//! `copy` (1.1, the source to merge into the target like an update, which is
//! how a schema is renamed without copying its upstream text into the overlay).

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    pub overlay: String,
    /// Required by the Overlay specification; checked for shape, not used.
    #[serde(rename = "info")]
    _info: OverlayInfo,
    /// The overlay file's name already says which spec it extends.
    #[serde(default, rename = "extends")]
    _extends: Option<String>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayInfo {
    #[serde(rename = "title")]
    _title: String,
    #[serde(rename = "version")]
    _version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub target: String,
    pub description: Option<String>,
    pub update: Option<Value>,
    #[serde(default)]
    pub remove: bool,
    pub copy: Option<String>,
}

/// What became of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// The target selects nothing: upstream changed or removed it.
    NoMatch,
    /// The action changes nothing: upstream already says what it would write.
    NoEffect,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::NoMatch => "no match",
            Outcome::NoEffect => "no effect",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActionReport {
    pub target: String,
    pub description: String,
    pub outcome: Outcome,
}

/// A malformed overlay file (not a stale action).
#[derive(Debug, thiserror::Error)]
#[error("action {index} (target `{target}`): {problem}")]
pub struct OverlayError {
    pub index: usize,
    pub target: String,
    pub problem: String,
}

pub fn parse(text: &str) -> Result<Overlay, String> {
    let overlay: Overlay = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    if !overlay.overlay.starts_with("1.") {
        return Err(format!("unsupported overlay version {}; expected 1.x", overlay.overlay));
    }
    Ok(overlay)
}

/// Applies every action of `overlay` to `doc` in order, reporting each one.
pub fn apply(overlay: &Overlay, doc: &mut Value) -> Result<Vec<ActionReport>, OverlayError> {
    overlay
        .actions
        .iter()
        .enumerate()
        .map(|(index, action)| apply_action(index, action, doc))
        .collect()
}

fn apply_action(index: usize, action: &Action, doc: &mut Value) -> Result<ActionReport, OverlayError> {
    let error = |problem: String| OverlayError {
        index,
        target: action.target.clone(),
        problem,
    };
    let description = match action.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => d.to_string(),
        _ => return Err(error("has no description saying why it exists".into())),
    };
    let update = match (&action.update, action.remove, &action.copy) {
        (Some(update), false, None) => Some(update.clone()),
        (None, true, None) => None,
        (None, false, Some(source)) => {
            let nodes = select(source, doc).map_err(|e| error(format!("copy source: {e}")))?;
            match nodes.as_slice() {
                [one] => Some(doc.pointer(one).cloned().unwrap_or(Value::Null)),
                _ => {
                    return Err(error(format!(
                        "copy source `{source}` must select exactly one node, selects {}",
                        nodes.len()
                    )));
                }
            }
        }
        _ => return Err(error("needs exactly one of `update`, `remove: true` or `copy`".into())),
    };
    let targets = select(&action.target, doc).map_err(error)?;
    let before = doc.clone();
    for pointer in targets.iter().rev() {
        match &update {
            Some(update) => merge_into(doc.pointer_mut(pointer).expect("selected node exists"), update)
                .map_err(|problem| error(format!("{pointer}: {problem}")))?,
            None => remove(doc, pointer).map_err(error)?,
        }
    }
    let outcome = match (targets.is_empty(), *doc == before) {
        (true, _) => Outcome::NoMatch,
        (false, true) => Outcome::NoEffect,
        (false, false) => Outcome::Applied,
    };
    Ok(ActionReport {
        target: action.target.clone(),
        description,
        outcome,
    })
}

/// JSON pointers of the nodes `path` selects, in document order.
fn select(path: &str, doc: &Value) -> Result<Vec<String>, String> {
    let path = JsonPath::parse(path).map_err(|e| format!("not a valid JSONPath (RFC 9535): {e}"))?;
    Ok(path
        .query_located(doc)
        .locations()
        .map(|l| l.to_json_pointer())
        .collect())
}

/// Overlay `update` semantics: objects merge recursively, arrays append.
fn merge_into(target: &mut Value, update: &Value) -> Result<(), String> {
    match (target, update) {
        (Value::Object(target), Value::Object(update)) => {
            for (key, value) in update {
                match target.get_mut(key) {
                    Some(existing @ Value::Object(_)) if value.is_object() => merge_into(existing, value)?,
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
            Ok(())
        }
        (Value::Array(target), update) => {
            target.push(update.clone());
            Ok(())
        }
        (Value::Object(_), _) => Err("an update of an object must be an object".into()),
        _ => Err("update targets must be objects or arrays; target the parent object instead".into()),
    }
}

fn remove(doc: &mut Value, pointer: &str) -> Result<(), String> {
    let (parent, last) = pointer.rsplit_once('/').ok_or("the document root cannot be removed")?;
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            let index: usize = key.parse().map_err(|_| format!("bad array index in {pointer}"))?;
            items.remove(index);
        }
        _ => return Err(format!("{pointer} has no parent to remove it from")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(actions: &str, mut doc: Value) -> (Value, Vec<Outcome>) {
        let overlay = parse(&format!(
            "overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}"
        ))
        .unwrap();
        let reports = apply(&overlay, &mut doc).unwrap();
        (doc, reports.iter().map(|r| r.outcome).collect())
    }

    #[test]
    fn update_merges_objects_and_remove_deletes() {
        let (doc, outcomes) = run(
            "  - target: $.a\n    description: add\n    update: {y: 2, n: {k: 1}}\n\
             \x20 - target: $..e\n    description: drop enums\n    remove: true\n",
            json!({"a": {"x": 1, "n": {"j": 0}}, "p": {"e": [1], "q": {"e": [2]}}}),
        );
        assert_eq!(
            doc,
            json!({"a": {"x": 1, "n": {"j": 0, "k": 1}, "y": 2}, "p": {"q": {}}})
        );
        assert_eq!(outcomes, [Outcome::Applied, Outcome::Applied]);
    }

    #[test]
    fn stale_actions_are_reported_not_ignored() {
        let (_, outcomes) = run(
            "  - target: $.missing\n    description: gone upstream\n    remove: true\n\
             \x20 - target: $.a\n    description: already fixed\n    update: {x: 1}\n",
            json!({"a": {"x": 1}}),
        );
        assert_eq!(outcomes, [Outcome::NoMatch, Outcome::NoEffect]);
    }

    #[test]
    fn copy_merges_the_source_into_the_target() {
        let (doc, _) = run(
            "  - target: $.s\n    description: new name\n    update: {New: {}}\n\
             \x20 - target: $.s.New\n    description: same schema\n    copy: $.s['Old name']\n\
             \x20 - target: $.s['Old name']\n    description: old name\n    remove: true\n",
            json!({"s": {"Old name": {"type": "object"}}}),
        );
        assert_eq!(doc, json!({"s": {"New": {"type": "object"}}}));
    }

    #[test]
    fn an_action_without_a_reason_is_refused() {
        let overlay =
            parse("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.a\n    remove: true\n")
                .unwrap();
        let err = apply(&overlay, &mut json!({"a": 1})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "action 0 (target `$.a`): has no description saying why it exists"
        );
    }
}
