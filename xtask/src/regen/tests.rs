//! The tests of `cargo xtask regen`, run against the workspace's own
//! `openapi/` folder or a scratch copy of it edited the way a provider or a
//! contributor would: stale specs and overlays, unreadable upstream pages,
//! specs progenitor would panic on, new upstream versions from a folder or a
//! URL, and the documents generated from our own dropshot traits. They sit
//! in a file of their own because they outweigh the code they test.

use std::fs;
use std::path::Path;

use crate::apis::{APIS, Api};
use crate::regen::{self, Mode, exit};
use crate::upstream::NewUpstream;
use crate::{effective, report, workspace_root};

fn run(root: &Path, apis: &[&Api], mode: Mode) -> u8 {
    regen::regen(root, apis, mode, None).exit_code
}

fn all() -> Vec<&'static Api> {
    APIS.iter().collect()
}

fn api(id: &str) -> Vec<&'static Api> {
    APIS.iter().filter(|a| a.id == id).collect()
}

/// The committed effective specs are exactly what upstream + overlays give.
#[test]
fn effective_specs_are_up_to_date() {
    assert_eq!(
        run(&workspace_root(), &all(), Mode::Check),
        exit::CLEAN,
        "see the output above"
    );
}

/// A scratch copy of the workspace's `openapi/` folder.
fn scratch() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target)
            } else {
                fs::copy(&path, &target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&workspace_root().join("openapi"), &dir.path().join("openapi"));
    dir
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join("openapi").join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn check_catches_a_hand_edited_spec_and_accept_restores_it() {
    let dir = scratch();
    let root = dir.path();
    let spec = root.join("openapi/clearline-sms-api.json");
    edit(
        root,
        "clearline-sms-api.json",
        "\"Unique identifier of the queued message\"",
        "\"edited\"",
    );
    let edited = fs::read_to_string(&spec).unwrap();
    assert_eq!(run(root, &all(), Mode::Check), exit::STALE_FILES);
    assert_eq!(fs::read_to_string(&spec).unwrap(), edited, "--check must write nothing");
    assert_eq!(run(root, &all(), Mode::DryRun), exit::CLEAN);
    assert_eq!(
        fs::read_to_string(&spec).unwrap(),
        edited,
        "a dry run must write nothing"
    );
    assert_eq!(run(root, &all(), Mode::Accept { allow_breaking: false }), exit::CLEAN);
    assert_eq!(run(root, &all(), Mode::Check), exit::CLEAN);
}

#[test]
fn an_overlay_action_that_upstream_made_pointless_is_stale() {
    // Upstream drops the enum the overlay removes: the action matches nothing.
    let dir = scratch();
    let enum_line = "          enum: [Delivered, DeliveredFailed]\n";
    edit(dir.path(), "upstream/clearline/clearline-callbacks.yaml", enum_line, "");
    assert_eq!(
        run(dir.path(), &api("clearline-callbacks"), Mode::Check),
        exit::STALE_OVERLAY
    );
    // Upstream already says what the overlay writes: the action changes nothing.
    let dir = scratch();
    edit(
        dir.path(),
        "upstream/smarthive/smarthive-callbacks.yaml",
        "type: integer",
        "type: string",
    );
    assert_eq!(
        run(dir.path(), &api("smarthive-callbacks"), Mode::Check),
        exit::STALE_OVERLAY
    );
}

#[test]
fn an_overlay_action_without_a_reason_is_refused() {
    let dir = scratch();
    edit(
        dir.path(),
        "overlays/clearline-sms-api.yaml",
        "    description: >-\n",
        "    x-why: >-\n",
    );
    assert_eq!(
        run(dir.path(), &api("clearline-sms-api"), Mode::Check),
        exit::STALE_OVERLAY
    );
}

#[test]
fn an_unreadable_upstream_page_is_an_import_failure() {
    let dir = scratch();
    let page = "upstream/clickatell/003_034f688c0650f8ca.txt";
    edit(dir.path(), page, "{\"openapi\":\"3.0.1\"", "{\"openapi\":\"3.0.1\",,");
    assert_eq!(
        run(dir.path(), &api("clickatell-sms-api"), Mode::Check),
        exit::IMPORT_FAILURE
    );
    let err = effective::build(dir.path(), &APIS[0]).err().unwrap().to_string();
    let expected = "openapi/upstream/clickatell/003_034f688c0650f8ca.txt: \
                    the OpenAPI document under \"POST /messages\" is not valid JSON";
    assert!(err.starts_with(expected), "{err}");
}

#[test]
fn a_spec_progenitor_would_panic_on_is_refused_before_build_rs_sees_it() {
    let dir = scratch();
    // Without the overlay's fix, POST /messages has two request media types.
    let action = "  - target: $.paths['/messages'].post.requestBody.content['application/xml']";
    edit(
        dir.path(),
        "overlays/clickatell-sms-api.yaml",
        action,
        "  - target: $.nothing",
    );
    assert_eq!(
        run(dir.path(), &api("clickatell-sms-api"), Mode::Check),
        exit::IMPORT_FAILURE
    );
    let err = effective::build(dir.path(), &APIS[0]).err().unwrap().to_string();
    let expected = "POST /messages: request body has 2 media types (application/json, application/xml)";
    assert!(err.contains(expected), "{err}");
}

#[test]
fn a_closed_enum_on_a_received_value_breaks_the_rules() {
    let dir = scratch();
    let line = "          description: Human-readable delivery result description provided by the SMS gateway\n";
    let with_enum = format!("{line}          enum: [ok]\n");
    edit(
        dir.path(),
        "upstream/clearline/clearline-callbacks.yaml",
        line,
        &with_enum,
    );
    let effective = effective::build(dir.path(), api("clearline-callbacks")[0])
        .ok()
        .unwrap();
    assert_eq!(
        effective.violations,
        ["/components/schemas/DeliveryStatusCallback/properties/reasonText: \
          closed enum on a received value; providers add values"]
    );
    assert_eq!(
        run(dir.path(), &api("clearline-callbacks"), Mode::DryRun),
        exit::UNACCEPTED
    );
}

fn upstream_next() -> NewUpstream {
    NewUpstream::Dir(workspace_root().join("xtask/tests/fixtures/upstream-next"))
}

fn lines(changes: &[smsgate_spec_diff::Change]) -> Vec<String> {
    changes.iter().map(|c| c.to_string()).collect()
}

/// A later version of Clickatell's SMS API page
/// (`xtask/tests/fixtures/upstream-next`, whose README lists what a correct
/// report finds): reported, and accepted only with `--allow-breaking`.
#[test]
fn a_changed_provider_page_is_reported_and_only_accepted_when_allowed() {
    let dir = scratch();
    let root = dir.path();
    let sms_api = api("clickatell-sms-api");
    let report = regen::regen(root, &sms_api, Mode::DryRun, Some(&upstream_next()));
    assert_eq!(
        report.exit_code,
        exit::UNACCEPTED,
        "{}",
        report.render(report::Format::Text)
    );
    let found = lines(&report.apis[0].changes);
    let expect = [
        ("endpoint-added", "INFO", "GET /messages/{messageId}"),
        ("new-optional-request-property", "INFO", "callbackUrl"),
        ("request-property-type-changed", "ERROR", "validityPeriod"),
        ("response-optional-property-removed", "WARNING", "errorDescription"),
    ];
    for (id, level, mentions) in expect {
        assert!(
            found
                .iter()
                .any(|l| l.starts_with(&format!("[{id}] {level} ")) && l.contains(mentions)),
            "missing [{id}] {level} ... {mentions} in:\n{}",
            found.join("\n")
        );
    }
    assert!(!report.apis[0].upstream_changes.is_empty());
    assert!(
        report.apis[0]
            .spec_diff
            .contains("+++ openapi/clickatell-sms-api.json (new)")
    );
    let committed = fs::read_to_string(root.join("openapi/clickatell-sms-api.json")).unwrap();

    // Accepting needs --allow-breaking: nothing is written without it.
    let refused = regen::regen(
        root,
        &sms_api,
        Mode::Accept { allow_breaking: false },
        Some(&upstream_next()),
    );
    assert_eq!(refused.exit_code, exit::UNACCEPTED);
    assert_eq!(
        fs::read_to_string(root.join("openapi/clickatell-sms-api.json")).unwrap(),
        committed
    );

    let accepted = regen::regen(
        root,
        &sms_api,
        Mode::Accept { allow_breaking: true },
        Some(&upstream_next()),
    );
    assert_eq!(
        accepted.exit_code,
        exit::CLEAN,
        "{}",
        accepted.render(report::Format::Text)
    );
    let vendored = fs::read_to_string(root.join("openapi/upstream/clickatell/003_034f688c0650f8ca.txt")).unwrap();
    let next = fs::read_to_string(workspace_root().join("xtask/tests/fixtures/upstream-next/003_034f688c0650f8ca.txt"));
    assert_eq!(
        vendored,
        next.unwrap(),
        "the new upstream copy is written byte for byte"
    );
    assert_eq!(run(root, &all(), Mode::Check), exit::CLEAN, "accepted means up to date");
    let json: serde_json::Value = serde_json::from_str(&accepted.render(report::Format::Json)).unwrap();
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["apis"][0]["api"], "clickatell-sms-api");
    assert_eq!(json["apis"][0]["changes"].as_array().unwrap().len(), found.len());
}

/// `--upstream URL` fetches URL/<file name>; a 404 means unchanged.
#[test]
fn new_upstream_documents_can_come_from_a_url() {
    use std::io::{BufRead, BufReader, Write};
    let page = fs::read(workspace_root().join("xtask/tests/fixtures/upstream-next/003_034f688c0650f8ca.txt")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/docs", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let mut served = Vec::new();
        for stream in listener.incoming().take(2) {
            let mut stream = stream.unwrap();
            let mut request_line = String::new();
            BufReader::new(&stream).read_line(&mut request_line).unwrap();
            let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_string();
            let (status, body) = match path.as_str() {
                "/docs/003_034f688c0650f8ca.txt" => ("200 OK", page.clone()),
                _ => ("404 Not Found", Vec::new()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
            served.push(path);
        }
        served
    });
    let dir = scratch();
    let two = [api("clickatell-sms-api")[0], api("clickatell-sms-callbacks")[0]];
    let report = regen::regen(dir.path(), &two, Mode::DryRun, Some(&NewUpstream::parse(&base)));
    assert_eq!(
        server.join().unwrap(),
        ["/docs/003_034f688c0650f8ca.txt", "/docs/000_690364af323e43ee.txt"]
    );
    assert!(
        lines(&report.apis[0].changes)
            .iter()
            .any(|l| l.contains("validityPeriod"))
    );
    assert!(
        report.apis[1].changes.is_empty(),
        "a document the server does not have is unchanged"
    );
    assert_eq!(report.exit_code, exit::UNACCEPTED);
}

#[test]
fn an_unreachable_upstream_url_is_an_import_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let report = regen::regen(
        &workspace_root(),
        &api("clearline-sms-api"),
        Mode::DryRun,
        Some(&NewUpstream::parse(&closed)),
    );
    assert_eq!(report.exit_code, exit::IMPORT_FAILURE);
    assert!(
        report.apis[0].errors[0].contains("cannot fetch it"),
        "{:?}",
        report.apis[0].errors
    );
}

#[test]
fn check_catches_a_stale_document_generated_from_our_code() {
    let dir = scratch();
    edit(
        dir.path(),
        "smsgate-api.json",
        "\"smsgate query API\"",
        "\"edited by hand\"",
    );
    assert_eq!(run(dir.path(), &[], Mode::Check), exit::STALE_FILES);
    assert_eq!(
        run(dir.path(), &[], Mode::Accept { allow_breaking: false }),
        exit::CLEAN
    );
    assert_eq!(run(dir.path(), &[], Mode::Check), exit::CLEAN);
}

/// The receiver's own OpenAPI document (generated from its dropshot
/// trait) against each vendored callback spec, judged as the provider, a
/// client of our server, would: nothing may break a provider calling us.
#[test]
fn our_receiver_accepts_what_each_provider_sends() {
    use smsgate_spec_diff::{Level, Role};
    let server = smsgate_receiver_api::receiver_openapi();
    for api in APIS.iter().filter(|a| a.role == Role::Callbacks) {
        let path = effective::effective_path(&workspace_root(), api);
        let vendored: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        let mut ours = server.clone();
        let theirs = vendored["paths"].as_object().unwrap();
        ours["paths"]
            .as_object_mut()
            .unwrap()
            .retain(|path, _| theirs.contains_key(path));
        assert_eq!(
            ours["paths"].as_object().unwrap().len(),
            theirs.len(),
            "{}: every route is served",
            api.id
        );
        let changes = smsgate_spec_diff::diff(&vendored, &ours, Role::Provider).unwrap();
        let breaking: Vec<String> = changes
            .iter()
            .filter(|c| c.level == Level::Error)
            .map(|c| c.to_string())
            .collect();
        assert!(
            breaking.is_empty(),
            "{}: our receiver breaks the provider:\n{}",
            api.id,
            breaking.join("\n")
        );
    }
}

/// A change with no error-level spec change can still need a major bump of
/// smsgate (a new field of a struct consumers may build with a literal):
/// `--accept` then needs `--allow-breaking` too, and the JSON says why.
#[test]
fn accept_refuses_a_major_rust_api_change_without_allow_breaking() {
    let dir = scratch();
    let root = dir.path();
    let line = "        callbackUrl:\n";
    let added = format!("        scheduledAt:\n          type: string\n          description: When to send\n{line}");
    edit(root, "upstream/clearline/clearline-sms-api.yaml", line, &added);
    let sms_api = api("clearline-sms-api");
    let refused = regen::regen(root, &sms_api, Mode::Accept { allow_breaking: false }, None);
    let text = refused.render(report::Format::Text);
    assert_eq!(refused.exit_code, exit::UNACCEPTED, "{text}");
    assert!(
        refused.apis[0]
            .changes
            .iter()
            .all(|c| c.level != smsgate_spec_diff::Level::Error)
    );
    assert!(
        text.contains("smsgate::clearline::sms_api::types::SendSmsRequest::scheduled_at (field)"),
        "{text}"
    );
    assert!(text.contains("smsgate needs a major version bump"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&refused.render(report::Format::Json)).unwrap();
    assert_eq!(json["semver"], "major");
    let field = json["apis"][0]["rust_api"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["item"] == "smsgate::clearline::sms_api::types::SendSmsRequest::scheduled_at")
        .unwrap();
    assert_eq!(field["semver"], "major");
    assert!(field["change"].as_str().unwrap().contains("struct literals"));
    let markdown = refused.render(report::Format::Markdown);
    assert!(
        markdown.contains("| major | `smsgate::clearline::sms_api::types::SendSmsRequest::scheduled_at` (field) |")
    );

    let accepted = regen::regen(root, &sms_api, Mode::Accept { allow_breaking: true }, None);
    assert_eq!(
        accepted.exit_code,
        exit::CLEAN,
        "{}",
        accepted.render(report::Format::Text)
    );
    let again = regen::regen(root, &sms_api, Mode::Check, None);
    assert_eq!(again.semver, smsgate_codegen::api_diff::Semver::None);
}

/// An upstream response without its `description` is read (as an empty
/// one) and noted, not refused; the Rust API only changes in its docs.
#[test]
fn an_incomplete_upstream_document_is_read_and_noted() {
    let dir = scratch();
    let line = "          description: The message was accepted for sending.\n";
    edit(dir.path(), "upstream/clearline/clearline-sms-api.yaml", line, "");
    let report = regen::regen(dir.path(), &api("clearline-sms-api"), Mode::DryRun, None);
    let text = report.render(report::Format::Text);
    assert_eq!(report.exit_code, exit::CLEAN, "{text}");
    assert!(
        text.contains(
            "note: the upstream document: POST /MessageSender/sms: response `200` has no `description`; read as empty"
        ),
        "{text}"
    );
    assert_eq!(report.semver, smsgate_codegen::api_diff::Semver::Patch, "{text}");
}
