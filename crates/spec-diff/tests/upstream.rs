//! End to end: Clickatell's SMS API page as vendored against a later upstream
//! version of it (copied from the shared `upstream-next` example; see
//! `tests/upstream/`). Each page embeds one OpenAPI document per operation in
//! fenced `json` blocks; they are merged here simply (paths and components),
//! without the xtask.

use std::fs;
use std::path::Path;

use smsgate_spec_diff::{Level, Role, diff, summary};

fn merged(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/upstream").join(file);
    let page = fs::read_to_string(&path).unwrap();
    let mut merged: Option<serde_json::Value> = None;
    let mut block: Option<String> = None;
    for line in page.lines() {
        match (&mut block, line.trim()) {
            (None, "```json") => block = Some(String::new()),
            (Some(text), "```") => {
                let doc: serde_json::Value = serde_json::from_str(text).unwrap();
                block = None;
                if doc.get("openapi").is_none() {
                    continue;
                }
                match &mut merged {
                    None => merged = Some(doc),
                    Some(into) => merge(into, &doc),
                }
            }
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    merged.expect("no embedded OpenAPI document")
}

/// Adds `doc`'s paths (and their methods) and components to `into`.
fn merge(into: &mut serde_json::Value, doc: &serde_json::Value) {
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let target = into["paths"]
            .as_object_mut()
            .unwrap()
            .entry(path)
            .or_insert_with(|| serde_json::json!({}));
        for (method, op) in item.as_object().unwrap() {
            target[method] = op.clone();
        }
    }
    for (kind, entries) in doc["components"].as_object().into_iter().flatten() {
        let target = into["components"][kind].as_object_mut().map(|_| ()).is_some();
        if !target {
            into["components"][kind] = serde_json::json!({});
        }
        for (name, value) in entries.as_object().unwrap() {
            into["components"][kind]
                .as_object_mut()
                .unwrap()
                .entry(name)
                .or_insert_with(|| value.clone());
        }
    }
}

#[test]
fn clickatell_sms_api_next() {
    let old = merged("clickatell-sms-api.vendored.md");
    let new = merged("clickatell-sms-api.next.md");
    let changes = diff(&old, &new, Role::Provider).unwrap();

    let found: Vec<(&str, Level, &str, &str)> = changes
        .iter()
        .map(|c| (c.id.as_str(), c.level, c.operation.as_str(), c.pointer.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "new-optional-request-property",
                Level::Info,
                "POST /messages",
                "/components/schemas/SendMessageRequest/properties/callbackUrl"
            ),
            (
                "request-property-type-changed",
                Level::Error,
                "POST /messages",
                "/components/schemas/SendMessageRequest/properties/validityPeriod"
            ),
            (
                "response-optional-property-removed",
                Level::Warning,
                "POST /messages",
                "/components/schemas/SendMessageResponse/properties/errorDescription"
            ),
            (
                "endpoint-added",
                Level::Info,
                "GET /messages/{messageId}",
                "/paths/~1messages~1{messageId}/get"
            ),
        ]
    );

    let mut report = format!("{}\n", summary(&changes));
    for change in &changes {
        report.push_str(&format!("{change}\n"));
    }
    expectorate::assert_contents("tests/upstream/clickatell-sms-api.txt", &report);

    assert!(diff(&old, &old, Role::Provider).unwrap().is_empty());
    assert!(diff(&new, &new, Role::Provider).unwrap().is_empty());
}
