//! Other ways to build a client: `new_with_client` still sends the key
//! where the spec says, and `Credentials::none()` sends no key at all.

use serde_json::json;
use smsgate::Credentials;
use smsgate::clearline::sms_api as clearline_sms;

use crate::exchange::{exchange, typed};
use crate::key;
use crate::key_carrying_calls::key_carrying_calls;
use crate::spec_operation::{Payload, Placement, SpecOperation};
use crate::support::capture_server::CaptureServer;

#[tokio::test]
async fn new_with_client_sends_the_key_where_the_spec_says() {
    let expected = json!({"phone": "+12025551234", "message": "hi"});
    let body: clearline_sms::types::SendSmsRequest = typed(&expected);
    let (sent, request) = exchange(
        "clearline-sms-api",
        "sendSms",
        Payload::Json(expected),
        json!({"succeed": false}),
        |base| async move {
            let http = reqwest::Client::builder().user_agent("custom/1").build().unwrap();
            let client = clearline_sms::Client::new_with_client(&base, http, Credentials::api_key(key()));
            client.send_sms().body(body).send().await
        },
    )
    .await;
    assert_eq!(sent.succeed, Some(false));
    assert_eq!(
        request.header("user-agent"),
        Some("custom/1"),
        "the given reqwest client is used"
    );
}

#[tokio::test]
async fn credentials_none_send_no_key() {
    for call in key_carrying_calls() {
        let spec = SpecOperation::load(call.api, call.operation_id);
        let server = CaptureServer::start(spec.success, "{}").await;
        // The canned `{}` may not parse as the operation's response: not the point here.
        let _ = (call.send)(server.base_url(), Credentials::none()).await;
        let request = server.request().await;
        let label = &spec.label;
        assert_eq!(
            request.header_values("api-version"),
            Vec::<&str>::new(),
            "{label}: api-version header"
        );
        match &spec.placement {
            Placement::Header(name) => assert_eq!(request.header(name), None, "{label}: header {name}"),
            Placement::Query(name) => {
                assert!(
                    request.query().iter().all(|(k, _)| k != name),
                    "{label}: parameter {name}"
                )
            }
        }
    }
}
