//! Our clients -> the providers: every provider-role operation of our
//! generated clients, with a realistic request, against Prism mocking the
//! effective spec in validating mode (`prism mock --errors`). A request
//! passes only with the spec's success status, no `sl-violations` header and
//! no violation in Prism's log; the client must also read Prism's spec-shaped
//! answer into its types.
//!
//! `prism_catches_drift` shows the check can fail: a client whose key is
//! missing, and our client against a copy of the spec whose required field
//! was renamed, both get Prism's violation.
//!
//! Needs `SMSGATE_PRISM` (the `prism` executable); without it each test says
//! "skipped" and passes.

use std::fmt::Debug;
use std::path::PathBuf;

use serde_json::Value;
use smsgate::clearline::sms_api as clearline;
use smsgate::clickatell::sms_api as clickatell;
use smsgate::{ApiKey, Credentials};
use smsgate_contract_tests::prism::Prism;
use smsgate_contract_tests::{specs, tools};

/// The key the clients carry; Prism checks only that it is where the
/// security scheme puts it.
const KEY: &str = "prism-contract-key";

fn prism() -> Option<PathBuf> {
    tools::tool("SMSGATE_PRISM", "Prism's `prism` executable (npm @stoplight/prism-cli)")
}

fn key() -> ApiKey {
    ApiKey::new(KEY).expect("a valid key")
}

/// The one 2xx status `operation_id` documents in `api`'s effective spec.
fn documented_success(api: &str, operation_id: &str) -> u16 {
    let spec = specs::load(api);
    let (_, _, operation) = specs::operation(&spec, operation_id);
    let successes: Vec<u16> = operation["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .filter_map(|status| status.parse().ok())
        .filter(|status| (200..300).contains(status))
        .collect();
    let [success] = successes[..] else {
        panic!("{api} {operation_id}: expected one 2xx response, found {successes:?}")
    };
    success
}

/// Prism's log lines that report a violation: its validator's verdicts
/// other than success (`✔`), and the violations it lists.
fn violations_in_log(prism: &Prism) -> Vec<String> {
    prism
        .log()
        .lines()
        .filter(|line| (line.contains("[VALIDATOR]") && !line.contains('✔')) || line.contains("Violation"))
        .map(str::to_string)
        .collect()
}

/// The call got the documented success with no violation reported.
#[track_caller]
fn assert_clean<T: Debug, E: Debug>(
    prism: &Prism,
    label: &str,
    success: u16,
    result: Result<clickatell::ResponseValue<T>, clickatell::Error<E>>,
) -> T {
    let response = result.unwrap_or_else(|e| panic!("{label}: {e:?}\nPrism's log:\n{}", prism.log()));
    assert_eq!(response.status().as_u16(), success, "{label}: status");
    assert_eq!(
        response.headers().get("sl-violations"),
        None,
        "{label}: Prism reports violations"
    );
    let logged = violations_in_log(prism);
    assert!(
        logged.is_empty(),
        "{label}: Prism logged violations:\n{}",
        logged.join("\n")
    );
    response.into_inner()
}

#[tokio::test]
async fn clickatell_sms_api_operations_pass_prism() {
    let Some(prism_bin) = prism() else { return };
    let api = "clickatell-sms-api";
    let prism = Prism::start(&prism_bin, &specs::effective_path(api)).await;
    let client = clickatell::Client::with_api_key(prism.base_url(), key());

    let body = clickatell::types::SendMessageRequest::builder()
        .to(vec!["27820000000".to_string(), "27830000000".to_string()])
        .content(Some("Your code is 1234".to_string()))
        .from(Some("27840000000".to_string()))
        .client_message_id(Some("order-1".to_string()))
        .validity_period(Some(1440));
    let result = client.send_message_rest_1().body(body).send().await;
    let sent = assert_clean(
        &prism,
        "sendMessageREST_1",
        documented_success(api, "sendMessageREST_1"),
        result,
    );
    assert!(!sent.messages.is_empty(), "Prism's example has messages: {sent:?}");

    let first = clickatell::types::SendMessageRequest::builder()
        .to(vec!["27820000000".to_string()])
        .content(Some("first".to_string()))
        .client_message_id(Some("bulk-1".to_string()));
    let second = clickatell::types::SendMessageRequest::builder()
        .to(vec!["27830000000".to_string()])
        .content(Some("second".to_string()))
        .charset(Some("UTF-8".to_string()));
    let bulk = clickatell::types::SendBulkMessageRequest::builder().message_list(vec![
        first.try_into().expect("a valid message"),
        second.try_into().expect("a valid message"),
    ]);
    let result = client.send_bulk_message_rest().body(bulk).send().await;
    assert_clean(
        &prism,
        "sendBulkMessageREST",
        documented_success(api, "sendBulkMessageREST"),
        result,
    );

    let result = client
        .send_message_http()
        .to("27820000000")
        .from("+27840000000")
        .content("Code: 12&34 = ok? ü")
        .client_message_id("http-1")
        .send()
        .await;
    assert_clean(
        &prism,
        "sendMessageHTTP",
        documented_success(api, "sendMessageHTTP"),
        result,
    );
}

#[tokio::test]
async fn clearline_sms_api_operation_passes_prism() {
    let Some(prism_bin) = prism() else { return };
    let api = "clearline-sms-api";
    let prism = Prism::start(&prism_bin, &specs::effective_path(api)).await;
    let client = clearline::Client::with_api_key(prism.base_url(), key());
    let result = client.send_sms().body(realistic_sms()).send().await;
    let sent = assert_clean(&prism, "sendSms", documented_success(api, "sendSms"), result);
    assert!(sent.message_id.is_some(), "Prism's example has a messageId: {sent:?}");
}

fn realistic_sms() -> clearline::types::builder::SendSmsRequest {
    clearline::types::SendSmsRequest::builder()
        .phone("+12025551234")
        .message("Your order is ready for pickup.")
        .callback_url(Some(
            "https://example.com/client-callback/clearline-status?token=t".to_string(),
        ))
}

/// The status of a call Prism refused, and its problem document.
async fn refused<T: Debug, E: Debug>(
    result: Result<clickatell::ResponseValue<T>, clickatell::Error<E>>,
) -> (u16, String) {
    match result {
        Ok(response) => panic!("Prism accepted what it must refuse: {response:?}"),
        Err(clickatell::Error::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            (status, response.text().await.expect("Prism's problem document"))
        }
        Err(other) => panic!("expected Prism's error answer, got {other:?}"),
    }
}

#[tokio::test]
async fn prism_catches_drift() {
    let Some(prism_bin) = prism() else { return };
    let api = "clearline-sms-api";

    // A request without the key the security scheme requires.
    let prism = Prism::start(&prism_bin, &specs::effective_path(api)).await;
    let keyless = clearline::Client::new(prism.base_url(), Credentials::none());
    let (status, problem) = refused(keyless.send_sms().body(realistic_sms()).send().await).await;
    assert_eq!(status, 401, "{problem}");
    drop(prism);

    // The provider renames a required field; our client still sends the old one.
    let mut spec: Value = specs::load(api);
    let schema = &mut spec["components"]["schemas"]["SendSmsRequest"];
    let message = schema["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("message")
        .expect("SendSmsRequest has `message`");
    schema["properties"]["text"] = message;
    schema["required"] = serde_json::json!(["phone", "text"]);
    schema["additionalProperties"] = Value::Bool(false);
    let drifted = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("a spec file");
    std::fs::write(drifted.path(), serde_json::to_vec(&spec).unwrap()).expect("the drifted spec is written");
    let prism = Prism::start(&prism_bin, drifted.path()).await;
    let client = clearline::Client::with_api_key(prism.base_url(), key());
    let (status, problem) = refused(client.send_sms().body(realistic_sms()).send().await).await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem.contains("'text'"),
        "the violation names the missing field: {problem}"
    );
    assert!(
        !violations_in_log(&prism).is_empty(),
        "the log check sees it too:\n{}",
        prism.log()
    );
}
