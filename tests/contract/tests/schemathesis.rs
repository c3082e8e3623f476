//! External tool, providers' side: schemathesis (PyPI) against a real
//! receiver with each vendored callback spec, as a provider would call it:
//! Basic auth whose password is the callback secret (one of the specs' two
//! security schemes). It must find no 5xx, no status the spec does not
//! document, and every response (the `{"status":"ok"}` ack) must conform to
//! the spec's schema, content type and headers.
//!
//! One check is left out, on purpose: `negative_data_rejection` expects a
//! body the schema forbids to be refused with a 4xx, but the receiver's
//! contract is the opposite (`docs/architecture.md`, "Receiver contract"): an
//! authenticated callback it cannot read is quarantined and acknowledged,
//! because a provider's retry would not fix it and refusing it would lose it.
//! Every other check runs.
//!
//! The receiver's 401 (wrong secret) and 413 (body over the limit) are not in
//! the vendored specs, and need not be: with the secret, schemathesis gets
//! neither; its `ignored_auth` check probes missing and wrong credentials
//! itself and requires a 401 or 403, which it gets.
//!
//! `schemathesis_catches_drift` runs it against a copy of a spec whose ack
//! requires a field we do not send: the response check must fail.
//!
//! `query_api_matches_its_document` runs it on our query API with its
//! generated document (`openapi/server/smsgate-receiver.json`).
//!
//! Needs `SMSGATE_SCHEMATHESIS` (the `schemathesis` executable); without it
//! each test says "skipped" and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use smsgate_contract_tests::{specs, tools};
use smsgate_dispatch::SendingConfig;
use smsgate_receiver::Sending;
use smsgate_test_support::receiver::{Options, TestReceiver};
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};

/// Cases per operation in the fuzzing phase (the coverage phase adds its own).
const MAX_EXAMPLES: &str = "20";

fn schemathesis() -> Option<PathBuf> {
    tools::tool(
        "SMSGATE_SCHEMATHESIS",
        "schemathesis' `schemathesis` executable (PyPI schemathesis)",
    )
}

/// What a schemathesis run printed, and whether it found nothing.
struct Run {
    passed: bool,
    output: String,
}

/// Runs `schemathesis run SPEC --url BASE ARGS...` in a scratch directory
/// (it keeps a database of examples in its working directory otherwise).
async fn run(schemathesis: &Path, spec: &Path, base_url: &str, args: &[&str]) -> Run {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let mut command = Command::new(schemathesis);
    command
        .current_dir(scratch.path())
        .arg("run")
        .arg(spec)
        .args(["--url", base_url, "--max-examples", MAX_EXAMPLES, "--workers", "1"])
        .args(["--generation-database", "none", "--no-color"])
        .args(args);
    // The receiver runs on this test's runtime: wait for the child off it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the waiting task")
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", schemathesis.display()));
    Run {
        passed: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The provider's credentials: Basic auth whose password is the secret.
fn basic_auth() -> String {
    format!("provider:{CALLBACK_SECRET}")
}

async fn callback_spec_passes(api: &str) {
    let Some(schemathesis) = schemathesis() else { return };
    let receiver = TestReceiver::start().await;
    let auth = basic_auth();
    let args = ["--auth", &auth, "--exclude-checks", "negative_data_rejection"];
    let run = run(
        &schemathesis,
        &specs::effective_path(api),
        &receiver.callback_base,
        &args,
    )
    .await;
    assert!(run.passed, "{api}: schemathesis found problems:\n{}", run.output);
    assert!(
        !receiver.raw_requests().is_empty(),
        "{api}: schemathesis' requests reached the store"
    );
    assert!(!run.output.contains(CALLBACK_SECRET), "the secret is never printed");
}

#[tokio::test(flavor = "multi_thread")]
async fn clickatell_sms_callbacks() {
    callback_spec_passes("clickatell-sms-callbacks").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clickatell_one_api_callbacks() {
    callback_spec_passes("clickatell-one-api-callbacks").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthive_callbacks() {
    callback_spec_passes("smarthive-callbacks").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clearline_callbacks() {
    callback_spec_passes("clearline-callbacks").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_catches_drift() {
    let Some(schemathesis) = schemathesis() else { return };
    let receiver = TestReceiver::start().await;
    let mut spec: Value = specs::load("clearline-callbacks");
    spec["components"]["schemas"]["CallbackAck"]["required"] = serde_json::json!(["status", "receivedAt"]);
    let drifted = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("a spec file");
    std::fs::write(drifted.path(), serde_json::to_vec(&spec).unwrap()).expect("the drifted spec is written");
    let auth = basic_auth();
    let args = ["--auth", &auth, "--exclude-checks", "negative_data_rejection"];
    let run = run(&schemathesis, drifted.path(), &receiver.callback_base, &args).await;
    assert!(
        !run.passed,
        "schemathesis missed an ack without `receivedAt`:\n{}",
        run.output
    );
    assert!(run.output.contains("receivedAt"), "it names the field:\n{}", run.output);
}

/// Sending configured with one route, so that `/v1/outbound` stores what
/// schemathesis sends (no dispatcher runs in process: nothing leaves).
fn sending() -> Sending {
    let config = "[providers.p]\napi = \"clickatell\"\nbase_url = \"http://127.0.0.1:9\"\napi_key_env = \"KEY\"\n\
                  [[routes]]\nname = \"all\"\nproviders = [\"p\"]\n";
    Sending::new(SendingConfig::parse("contract.toml", config, |_| Some("contract-key".into())).unwrap())
}

/// Our query API against the document generated from its dropshot trait,
/// with the bearer token. `positive_data_acceptance` is left out: `after` is
/// an opaque cursor the API issued, which the document can only call a
/// string; any other string is rightly a 400 saying what is allowed
/// (`docs/architecture.md`, "Query API"), and schemathesis would count that as a valid request
/// refused.
#[tokio::test(flavor = "multi_thread")]
async fn query_api_matches_its_document() {
    let Some(schemathesis) = schemathesis() else { return };
    let receiver = TestReceiver::start_with(Options {
        sending: Some(sending()),
        ..Options::default()
    })
    .await;
    let spec = specs::workspace_root().join("openapi/server/smsgate-receiver.json");
    let bearer = format!("Authorization: Bearer {API_TOKEN}");
    let args = [
        "--header",
        &bearer,
        "--exclude-path-regex",
        "^/client-callback/",
        "--exclude-checks",
        "positive_data_acceptance",
    ];
    let run = run(&schemathesis, &spec, &receiver.callback_base, &args).await;
    assert!(
        run.passed,
        "the query API: schemathesis found problems:\n{}",
        run.output
    );
    assert!(!run.output.contains(API_TOKEN), "the token is never printed");
}
