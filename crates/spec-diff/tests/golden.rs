//! Golden reports: `tests/golden/base.json` against one changed document per
//! case, judged for both roles.
//!
//! A case is `tests/golden/<rule-id>[.<variant>].json`; its expected reports
//! are `<case>.txt` (provider role) and `<case>.callbacks.txt`. Regenerate
//! with `EXPECTORATE=overwrite cargo test -p smsgate-spec-diff` and read the
//! difference before committing it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use smsgate_spec_diff::{Change, Date, Level, Role, diff, diff_documents_as_of, rules::RULES, summary};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The summary, then each change and where it points.
fn report(changes: &[Change]) -> String {
    let mut out = format!("{}\n", summary(changes));
    for change in changes {
        out.push_str(&format!("{change}\n    at {}\n", change.pointer));
    }
    out
}

/// Case names, sorted: every `*.json` but the base.
fn cases() -> Vec<String> {
    let mut cases: Vec<String> = fs::read_dir(golden())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .filter(|name| name != "base")
        .collect();
    cases.sort();
    cases
}

#[test]
fn golden_reports() {
    let base = read(&golden().join("base.json"));
    for case in cases() {
        let changed = read(&golden().join(format!("{case}.json")));
        let rule = case.split('.').next().unwrap();
        for (role, suffix) in [(Role::Provider, "txt"), (Role::Callbacks, "callbacks.txt")] {
            let changes = diff(&base, &changed, role).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(
                changes.iter().any(|c| c.id == rule),
                "{case} ({role:?}) does not find {rule}: {changes:#?}"
            );
            expectorate::assert_contents(golden().join(format!("{case}.{suffix}")), &report(&changes));
        }
    }
}

#[test]
fn every_rule_has_a_golden_case() {
    let cases: BTreeSet<String> = cases().into_iter().collect();
    let missing: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !cases.contains(*id)).collect();
    assert!(missing.is_empty(), "rules without a golden case: {missing:?}");
    let unknown: Vec<&String> = cases
        .iter()
        .filter(|c| !RULES.iter().any(|r| r.id == c.split('.').next().unwrap()))
        .collect();
    assert!(unknown.is_empty(), "golden cases for no rule: {unknown:?}");
}

#[test]
fn identical_documents_have_no_changes() {
    let mut documents = vec![golden().join("base.json")];
    let vendored = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi");
    for entry in fs::read_dir(vendored).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            documents.push(path);
        }
    }
    for path in documents {
        let doc = read(&path);
        for role in [Role::Provider, Role::Callbacks] {
            let changes = diff(&doc, &doc, role).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(changes.is_empty(), "{}: {changes:#?}", path.display());
        }
    }
}

#[test]
fn unresolvable_references_are_errors() {
    let mut broken = read(&golden().join("base.json"));
    broken["paths"]["/tree"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] =
        "#/components/schemas/Missing".into();
    let base = read(&golden().join("base.json"));
    let error = diff(&base, &broken, Role::Provider).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the new document refers to `#/components/schemas/Missing`, which is not one of its components"
    );
    let not_openapi = serde_json::json!({"swagger": "2.0"});
    assert!(
        diff(&not_openapi, &base, Role::Provider)
            .unwrap_err()
            .to_string()
            .starts_with("the old document")
    );
}

#[test]
fn a_renamed_component_of_the_same_shape_is_no_change() {
    let base = read(&golden().join("base.json"));
    let mut renamed = base.clone();
    let schemas = renamed["components"]["schemas"].as_object_mut().unwrap();
    let status = schemas.remove("MessageStatus").unwrap();
    schemas.insert("DeliveryStatus".into(), status);
    let text = serde_json::to_string(&renamed)
        .unwrap()
        .replace("/MessageStatus\"", "/DeliveryStatus\"");
    let renamed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_ne!(base, renamed);
    for role in [Role::Provider, Role::Callbacks] {
        assert_eq!(diff(&base, &renamed, role).unwrap(), []);
    }
}

/// Read as oasdiff reads them: an operation without `responses` and a
/// response without `description` are filled in and noted, not refused; an
/// empty pattern is no pattern.
#[test]
fn incomplete_documents_are_read_and_what_they_lack_is_noted() {
    let base = read(&golden().join("base.json"));
    let mut sloppy = base.clone();
    sloppy["paths"]["/tree"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("responses");
    sloppy["paths"]["/messages"]["post"]["responses"]["400"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    sloppy["components"]["schemas"]["SendMessageRequest"]["properties"]["content"]["pattern"] = "".into();
    let found = smsgate_spec_diff::diff_documents(&base, &sloppy, Role::Provider).unwrap();
    assert_eq!(
        found.notes,
        [
            "the new document: POST /messages: response `400` has no `description`; read as empty",
            "the new document: GET /tree has no `responses`; read as none",
        ]
    );
    let ids: Vec<&str> = found.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["response-success-status-removed"], "{:#?}", found.changes);
    assert!(found.changes[0].operation == "GET /tree");
    assert_eq!(diff(&sloppy, &sloppy, Role::Callbacks).unwrap(), []);
}

/// A sunset date is judged against the day of the diff, given here: removing
/// an operation before it is an error for our client, on or after it
/// nothing at all, which is what the date announced.
#[test]
fn removal_is_judged_against_the_sunset_date_on_the_given_day() {
    let base = read(&golden().join("base.json"));
    let removed = read(&golden().join("api-removed-before-sunset.json"));
    let on = |day| {
        let today = Date::parse(day).unwrap();
        let found = diff_documents_as_of(&base, &removed, Role::Provider, today).unwrap();
        found
            .changes
            .iter()
            .map(|c| (c.id.clone(), c.level))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        on("2099-12-30"),
        [("api-removed-before-sunset".to_owned(), Level::Error)]
    );
    assert_eq!(on("2099-12-31"), []);
    assert_eq!(on("2100-01-01"), []);
}
