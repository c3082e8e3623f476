//! The Rust API report, tested on one spec change at a time (golden files
//! under `xtask/tests/rust-api/`, regenerated with `EXPECTORATE=overwrite`)
//! and on the later upstream fixture; and each prediction checked by
//! compiling a consumer of the changed items against the old and the new
//! generated module: it must stop compiling exactly when the report says
//! `major`. Each case edits a committed effective spec twice (`before`
//! gives the old spec, `after` the new one), so the cases stay small.

use std::fs;
use std::path::PathBuf;

use serde_json::{Value, json};
use smsgate_codegen::api_diff::Semver;

use super::{RustApi, compare, consumer};
use crate::apis::{APIS, Api};
use crate::workspace_root;

struct Case {
    name: &'static str,
    api: &'static str,
    before: fn(&mut Value),
    after: fn(&mut Value),
    /// A consumer of the items the change touches, written against the old
    /// module (`crate::generated`).
    consumer: &'static str,
}

fn nothing(_: &mut Value) {}

const SEND_SMS: &str = "/components/schemas/SendSmsRequest/properties";
const STATUS: &str = "/components/schemas/DeliveryStatusCallback";

fn at<'v>(spec: &'v mut Value, pointer: &str) -> &'v mut Value {
    spec.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer}"))
}

fn status_enum(spec: &mut Value) {
    at(spec, &format!("{STATUS}/properties/deliveryStatus"))["enum"] = json!(["Delivered", "DeliveredFailed"]);
}

fn encoding_enum(spec: &mut Value) {
    at(spec, SEND_SMS)["encoding"] = json!({"type": "string", "enum": ["gsm7", "ucs2"]});
}

const CASES: &[Case] = &[
    Case {
        name: "field-added",
        api: "clearline-sms-api",
        before: nothing,
        after: |s| at(s, SEND_SMS)["scheduledAt"] = json!({"type": "string"}),
        consumer: r#"
            use crate::generated::types::SendSmsRequest;
            pub fn literal() -> SendSmsRequest {
                SendSmsRequest { phone: "+1".into(), message: "m".into(), callback_url: None, extra: Default::default() }
            }
            pub fn built() -> Result<SendSmsRequest, crate::generated::types::error::ConversionError> {
                SendSmsRequest::builder().phone("+1".to_string()).message("m".to_string()).try_into()
            }"#,
    },
    Case {
        name: "field-removed",
        api: "clearline-callbacks",
        before: nothing,
        after: |s| {
            at(s, &format!("{STATUS}/properties"))
                .as_object_mut()
                .unwrap()
                .remove("reasonText");
        },
        consumer: r#"
            pub fn reason(c: &crate::generated::types::DeliveryStatusCallback) -> Option<&str> {
                c.reason_text.as_deref()
            }"#,
    },
    Case {
        name: "field-made-required",
        api: "clearline-callbacks",
        before: nothing,
        after: |s| at(s, STATUS)["required"] = json!(["messageId"]),
        consumer: r#"
            pub fn id(c: &crate::generated::types::DeliveryStatusCallback) -> Option<String> {
                c.message_id.clone()
            }"#,
    },
    Case {
        name: "field-retyped",
        api: "clearline-sms-api",
        before: nothing,
        after: |s| at(s, "/components/schemas/SendSmsResponse/properties/succeed")["type"] = json!("string"),
        consumer: r#"
            pub fn accepted(r: &crate::generated::types::SendSmsResponse) -> bool {
                r.succeed == Some(true)
            }"#,
    },
    Case {
        name: "enum-value-added-received",
        api: "clearline-callbacks",
        before: status_enum,
        after: |s| {
            status_enum(s);
            at(s, &format!("{STATUS}/properties/deliveryStatus/enum"))
                .as_array_mut()
                .unwrap()
                .push(json!("Expired"));
        },
        consumer: r#"
            use crate::generated::types::DeliveryStatusCallbackDeliveryStatus as Status;
            pub fn delivered(s: Status) -> bool {
                match s { Status::Delivered => true, Status::DeliveredFailed => false }
            }"#,
    },
    Case {
        name: "enum-value-added-sent",
        api: "clearline-sms-api",
        before: encoding_enum,
        after: |s| {
            encoding_enum(s);
            at(s, &format!("{SEND_SMS}/encoding/enum"))
                .as_array_mut()
                .unwrap()
                .push(json!("binary"));
        },
        consumer: r#"
            use crate::generated::types::SendSmsRequestEncoding as Encoding;
            pub fn wide(e: Encoding) -> bool {
                match e { Encoding::Gsm7 => false, Encoding::Ucs2 => true }
            }"#,
    },
    Case {
        name: "operation-removed",
        api: "clickatell-sms-api",
        before: nothing,
        after: |s| {
            at(s, "/paths").as_object_mut().unwrap().remove("/messages/http/send");
        },
        consumer: r#"
            pub fn send(c: &crate::generated::Client) -> crate::generated::builder::SendMessageHttp<'_> {
                c.send_message_http().to("+1").content("m")
            }"#,
    },
    Case {
        name: "parameter-added",
        api: "clickatell-sms-api",
        before: nothing,
        after: |s| {
            let parameters = at(s, "/paths/~1messages~1http~1send/get/parameters");
            parameters.as_array_mut().unwrap().push(json!({
                "name": "validityPeriod", "in": "query", "schema": {"type": "integer", "format": "int32"}
            }));
        },
        consumer: r#"
            pub fn send(c: &crate::generated::Client) -> crate::generated::builder::SendMessageHttp<'_> {
                c.send_message_http().to("+1").content("m").from("x")
            }"#,
    },
    Case {
        name: "description-changed",
        api: "clearline-sms-api",
        before: nothing,
        after: |s| at(s, &format!("{SEND_SMS}/phone"))["description"] = json!("The recipient, E.164"),
        consumer: r#"
            pub fn phone(r: &crate::generated::types::SendSmsRequest) -> &str {
                &r.phone
            }"#,
    },
    Case {
        name: "identical",
        api: "clearline-callbacks",
        before: nothing,
        after: nothing,
        consumer: r#"
            pub fn id(c: &crate::generated::types::DeliveryStatusCallback) -> Option<&String> {
                c.message_id.as_ref()
            }"#,
    },
];

fn api(id: &str) -> &'static Api {
    APIS.iter().find(|a| a.id == id).unwrap()
}

fn golden(name: &str) -> PathBuf {
    workspace_root().join(format!("xtask/tests/rust-api/{name}.txt"))
}

/// The old and the new spec of a case.
fn specs(case: &Case) -> (Value, Value) {
    let path = workspace_root().join(format!("openapi/{}.json", case.api));
    let mut old: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    (case.before)(&mut old);
    let mut new = old.clone();
    (case.after)(&mut new);
    (old, new)
}

/// The spec changes, then the Rust items with their causes, then the bump.
fn render(changes: &[smsgate_spec_diff::Change], rust: &RustApi) -> String {
    let mut out = String::new();
    for change in changes {
        out += &format!("spec: {change}\n");
    }
    for row in &rust.rows {
        out += &format!("{:<5}  {} ({}): {}\n", row.semver, row.item, row.kind, row.change);
        for cause in &row.causes {
            out += &format!("       <- [{}] {}\n", cause.id, cause.pointer);
        }
    }
    out += &format!("semver: {}\n", rust.semver);
    out
}

fn run(case: &Case) -> (Value, Value, RustApi) {
    let (old, new) = specs(case);
    let api = api(case.api);
    let changes = smsgate_spec_diff::diff(&old, &new, api.role).unwrap();
    let rust = compare(api, &old, &new, &changes).unwrap();
    expectorate::assert_contents(golden(case.name), &render(&changes, &rust));
    (old, new, rust)
}

#[test]
fn single_changes_have_the_golden_rust_items_and_semver() {
    let classes: Vec<(&str, Semver)> = CASES.iter().map(|c| (c.name, run(c).2.semver)).collect();
    let major = |name| classes.iter().any(|(n, s)| *n == name && *s == Semver::Major);
    for name in [
        "field-added",
        "field-removed",
        "field-made-required",
        "field-retyped",
        "enum-value-added-received",
        "enum-value-added-sent",
        "operation-removed",
    ] {
        assert!(major(name), "{name}: {classes:?}");
    }
    assert!(classes.contains(&("parameter-added", Semver::Minor)), "{classes:?}");
    assert!(classes.contains(&("description-changed", Semver::Patch)), "{classes:?}");
    assert!(classes.contains(&("identical", Semver::None)), "{classes:?}");
}

/// Every prediction, checked by the compiler: the consumer builds against
/// the old module, and against the new one exactly when the report does not
/// say `major`.
#[test]
fn consumers_stop_compiling_exactly_when_the_report_says_major() {
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = CASES
            .iter()
            .map(|case| {
                let dir = dir.path().join(case.name);
                scope.spawn(move || check(case, &dir))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!("{} consumers built twice in {:.1?}", CASES.len(), started.elapsed());
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{}",
        failures.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("\n\n")
    );
}

fn check(case: &Case, dir: &std::path::Path) -> Result<(), String> {
    let (old, new) = specs(case);
    let api = api(case.api);
    let changes = smsgate_spec_diff::diff(&old, &new, api.role).map_err(|e| e.to_string())?;
    let predicted = compare(api, &old, &new, &changes)?.semver;
    let module =
        |spec: &Value| smsgate_codegen::generate_client("case.json", &spec.to_string()).map_err(|e| e.to_string());
    consumer::compiles(&dir.join("old"), &module(&old)?, case.consumer).map_err(|e| {
        format!(
            "{}: the consumer does not build against the old module:\n{e}",
            case.name
        )
    })?;
    let against_new = consumer::compiles(&dir.join("new"), &module(&new)?, case.consumer);
    match (predicted == Semver::Major, against_new) {
        (true, Ok(())) => Err(format!("{}: predicted major, yet the consumer still builds", case.name)),
        (false, Err(e)) => Err(format!(
            "{}: predicted {predicted}, yet the consumer breaks:\n{e}",
            case.name
        )),
        _ => Ok(()),
    }
}

/// The later upstream fixture: the Rust items its changes touch.
#[test]
fn the_later_upstream_has_the_golden_rust_items() {
    use crate::regen::{self, Mode};
    use crate::upstream::NewUpstream;
    let upstream = NewUpstream::Dir(workspace_root().join("xtask/tests/fixtures/upstream-next"));
    let report = regen::regen(
        &workspace_root(),
        &[api("clickatell-sms-api")],
        Mode::DryRun,
        Some(&upstream),
    );
    let found = &report.apis[0];
    let rust = RustApi {
        rows: found.rust_api.clone(),
        semver: found.semver,
    };
    expectorate::assert_contents(golden("upstream-next"), &render(&found.changes, &rust));
    assert_eq!(report.semver, Semver::Major);
    assert!(
        found
            .rust_api
            .iter()
            .any(|r| r.item == "smsgate::clickatell::sms_api::Client::get_message_status" && r.semver == Semver::Minor)
    );
}
