//! The key stays out of everything printable: errors for undocumented
//! statuses and for failed connections, the clients' `Debug`; and it stays
//! home on a cross-origin redirect.

use smsgate::Credentials;
use smsgate::clearline::callbacks as clearline_callbacks;
use smsgate::clearline::sms_api as clearline_sms;
use smsgate::clickatell::one_api_callbacks as one_api;
use smsgate::clickatell::sms_api as clickatell_sms;
use smsgate::clickatell::sms_callbacks;
use smsgate::smarthive::callbacks as smarthive;

use crate::key_carrying_calls::key_carrying_calls;
use crate::spec_operation::{Placement, SpecOperation};
use crate::support::capture_server::{CaptureServer, closed_port_url};
use crate::{Error, KEY, key};

/// Everything an error prints: Display (plain and `{:#}`), Debug, and its sources'.
fn printed(error: &Error) -> Vec<String> {
    let mut texts = vec![format!("{error}"), format!("{error:#}"), format!("{error:?}")];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        texts.extend([format!("{cause}"), format!("{cause:?}")]);
        source = cause.source();
    }
    texts
}

/// Checks that `error` of `spec`'s operation never prints the key, and, when
/// the key travels in the query, that the URL it prints has it redacted.
fn assert_hides_the_key(spec: &SpecOperation, error: &Error) {
    for text in printed(error) {
        assert!(!text.contains(KEY), "{}: the key is printed in {text}", spec.label);
    }
    if let Placement::Query(name) = &spec.placement {
        let redacted = format!("{name}=REDACTED");
        assert!(
            format!("{error}").contains(&redacted),
            "{}: no {redacted} in {error}",
            spec.label
        );
    }
}

#[tokio::test]
async fn undocumented_status_errors_hide_the_key() {
    for call in key_carrying_calls() {
        let spec = SpecOperation::load(call.api, call.operation_id);
        let server = CaptureServer::start(500, r#"{"error":"internal"}"#).await;
        let error = (call.send)(server.base_url(), Credentials::api_key(key()))
            .await
            .expect_err("500 is not a documented status");
        // The key did travel: its absence from the error is redaction.
        let request = server.request().await;
        spec.assert_key_only_where_placed(&request);
        assert!(
            request.target.contains(KEY) || request.headers.iter().any(|(_, v)| v == KEY),
            "{}: the key was sent",
            spec.label
        );
        assert!(matches!(error, Error::UnexpectedResponse(_)), "{}: {error}", spec.label);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{}", spec.label);
        assert_hides_the_key(&spec, &error);
    }
}

#[tokio::test]
async fn connection_errors_hide_the_key() {
    for call in key_carrying_calls() {
        let spec = SpecOperation::load(call.api, call.operation_id);
        let error = (call.send)(closed_port_url().await, Credentials::api_key(key()))
            .await
            .expect_err("nothing listens");
        assert!(matches!(error, Error::CommunicationError(_)), "{}: {error}", spec.label);
        assert_hides_the_key(&spec, &error);
    }
}

#[test]
fn client_debug_hides_the_key() {
    let base = "http://127.0.0.1:9";
    let credentials = || Credentials::api_key(key());
    let printed = [
        format!("{:?}", clickatell_sms::Client::with_api_key(base, key())),
        format!("{:?}", sms_callbacks::Client::with_api_key(base, key())),
        format!("{:?}", one_api::Client::with_api_key(base, key())),
        format!("{:?}", smarthive::Client::with_api_key(base, key())),
        format!("{:?}", clearline_sms::Client::with_api_key(base, key())),
        format!("{:?}", clearline_callbacks::Client::with_api_key(base, key())),
        format!("{:?}", clickatell_sms::Client::new(base, credentials())),
        format!("{:?}", sms_callbacks::Client::new(base, credentials())),
        format!("{:?}", one_api::Client::new(base, credentials())),
        format!("{:?}", smarthive::Client::new(base, credentials())),
        format!("{:?}", clearline_sms::Client::new(base, credentials())),
        format!("{:?}", clearline_callbacks::Client::new(base, credentials())),
    ];
    for text in printed {
        assert!(!text.contains(KEY), "the key is printed in {text}");
        assert!(
            text.contains("ApiKey(REDACTED)"),
            "the credentials are shown redacted: {text}"
        );
    }
}

/// A redirect to another origin must not take the key along. reqwest drops
/// `Authorization` there, but forwards other headers (ClearLine's `ApiKey`)
/// and sends the previous URL, query key included, as `Referer`; clients
/// built as documented (`Client::new`, `with_api_key`, or `new_with_client`
/// with `smsgate::auth::client_builder()`) do not follow such redirects.
#[tokio::test]
async fn cross_origin_redirects_do_not_carry_the_key() {
    let mut leaks = Vec::new();
    for call in key_carrying_calls() {
        let spec = SpecOperation::load(call.api, call.operation_id);
        let elsewhere = CaptureServer::start(spec.success, "{}").await;
        // Another origin: same loopback interface, another host name and port.
        let location = format!("{}/elsewhere", elsewhere.base_url().replace("127.0.0.1", "localhost"));
        let redirecting = CaptureServer::start_with_headers(307, vec![("Location".into(), location)], "{}").await;
        let _ = (call.send)(redirecting.base_url(), Credentials::api_key(key())).await;
        redirecting.request().await;
        // Not following the redirect at all is the safest answer.
        let Some(followed) = elsewhere.request_if_any().await else {
            continue;
        };
        let carried: Vec<_> = followed
            .headers
            .iter()
            .filter(|(_, v)| v.contains(KEY))
            .map(|(n, _)| n)
            .collect();
        if !carried.is_empty() || followed.target.contains(KEY) {
            leaks.push(format!(
                "{}: headers {carried:?}, target {}",
                spec.label, followed.target
            ));
        }
    }
    assert!(
        leaks.is_empty(),
        "the key reached another origin:\n{}",
        leaks.join("\n")
    );
}
