//! Every operation of the six provider clients sends what its spec says, over
//! a real loopback socket: method and path, the API key exactly where the
//! spec's security scheme puts it (and nowhere else), no `api-version`
//! header, the JSON body or query parameters it was given; and it reads the
//! canned answer into typed values, unknown fields kept in `extra`.
//!
//! The expectations come from the effective specs, `openapi/<api>.json`, read
//! at test time; the request comes from `support::capture_server`.
//!
//! The key must also stay out of everything printable: errors for
//! undocumented statuses and for failed connections, and the clients' `Debug`;
//! and it must stay home on a cross-origin redirect.
//!
//! `the_checks_catch_broken_requests` shows the request checks fail on each
//! way a request can break, so a passing operation test means something.

mod support;

use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use smsgate::clearline::callbacks as clearline_callbacks;
use smsgate::clearline::sms_api as clearline_sms;
use smsgate::clickatell::one_api_callbacks as one_api;
use smsgate::clickatell::sms_api as clickatell_sms;
use smsgate::clickatell::sms_callbacks;
use smsgate::smarthive::callbacks as smarthive;
use smsgate::{ApiKey, Credentials};
use support::capture_server::{CaptureServer, CapturedRequest, closed_port_url};

/// Every client's error type is progenitor's, whatever module names it.
type Error = clickatell_sms::Error<()>;
type Sent<T> = Result<clickatell_sms::ResponseValue<T>, Error>;

/// The key every test client carries; no printed text may contain it.
const KEY: &str = "sk-0n-the-w1re_7f3a9c";

fn key() -> ApiKey {
    ApiKey::new(KEY).expect("a valid key")
}

// ---------------------------------------------------------------------------
// What the spec says about an operation
// ---------------------------------------------------------------------------

/// Where a security scheme puts the key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Placement {
    Header(String),
    Query(String),
}

/// One operation of `openapi/<api>.json`, found by its operationId.
#[derive(Debug)]
struct SpecOperation {
    label: String,
    method: String,
    path: String,
    /// The first apiKey scheme among the operation's security alternatives.
    placement: Placement,
    /// The one documented 2xx status.
    success: u16,
    query_parameters: Vec<String>,
    json_body: bool,
}

impl SpecOperation {
    fn load(api: &str, operation_id: &str) -> SpecOperation {
        let file = format!("{}/openapi/{api}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let label = format!("{api} {operation_id}");
        let (path, method, item, op) = doc["paths"]
            .as_object()
            .expect("the spec has paths")
            .iter()
            .flat_map(|(path, item)| {
                let methods = item.as_object().expect("a path item is an object");
                methods.iter().map(move |(method, op)| (path, method, item, op))
            })
            .find(|(_, _, _, op)| op["operationId"] == operation_id)
            .unwrap_or_else(|| panic!("{label}: no such operationId"));

        let requirements = op.get("security").or(doc.get("security")).and_then(Value::as_array);
        let placement = requirements
            .into_iter()
            .flatten()
            .flat_map(|requirement| requirement.as_object().expect("a security requirement").keys())
            .find_map(|name| {
                let scheme = resolve(&doc, &doc["components"]["securitySchemes"][name]);
                let key_name = scheme["name"].as_str().map(str::to_string);
                match (scheme["type"].as_str(), scheme["in"].as_str()) {
                    (Some("apiKey"), Some("header")) => key_name.map(Placement::Header),
                    (Some("apiKey"), Some("query")) => key_name.map(Placement::Query),
                    _ => None,
                }
            })
            .unwrap_or_else(|| panic!("{label}: no apiKey security scheme applies"));

        let successes: Vec<u16> = op["responses"]
            .as_object()
            .expect("the operation has responses")
            .keys()
            .filter_map(|status| status.parse().ok())
            .filter(|status| (200..300).contains(status))
            .collect();
        let [success] = successes[..] else {
            panic!("{label}: expected one 2xx response, found {successes:?}");
        };

        let parameters = [&item["parameters"], &op["parameters"]];
        let query_parameters = parameters
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|parameter| resolve(&doc, parameter))
            .filter(|parameter| parameter["in"] == "query")
            .map(|parameter| parameter["name"].as_str().expect("a parameter has a name").to_string())
            .collect();
        let body = resolve(&doc, &op["requestBody"]);
        let json_body = body["content"].get("application/json").is_some();

        SpecOperation {
            label,
            method: method.to_ascii_uppercase(),
            path: path.clone(),
            placement,
            success,
            query_parameters,
            json_body,
        }
    }

    /// Checks `request` against the spec: `payload` is what the call was
    /// given, and the client carried [`KEY`].
    fn assert_sent(&self, request: &CapturedRequest, payload: &Payload) {
        let label = &self.label;
        assert_eq!(request.method, self.method, "{label}: method");
        assert_eq!(request.path(), self.path, "{label}: path");
        assert_eq!(request.version, "HTTP/1.1", "{label}: HTTP version");
        assert_eq!(
            request.header_values("api-version"),
            Vec::<&str>::new(),
            "{label}: api-version header"
        );

        let query = request.query();
        match &self.placement {
            Placement::Header(name) => {
                assert_eq!(request.header_values(name), [KEY], "{label}: the key in header {name}");
            }
            Placement::Query(name) => {
                let values: Vec<_> = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v).collect();
                assert_eq!(values, [KEY], "{label}: the key in query parameter {name}");
            }
        }
        if self.placement != Placement::Header("Authorization".into()) {
            assert_eq!(
                request.header("authorization"),
                None,
                "{label}: no Authorization header"
            );
        }
        self.assert_key_only_where_placed(request);

        let mut sent_query: Vec<(String, String)> = query
            .into_iter()
            .filter(|(name, _)| self.placement != Placement::Query(name.clone()))
            .collect();
        sent_query.sort();
        match payload {
            Payload::Json(expected) => {
                assert!(self.json_body, "{label}: the spec has a JSON request body");
                assert_eq!(
                    request.header("content-type"),
                    Some("application/json"),
                    "{label}: content type"
                );
                let body: Value = serde_json::from_slice(&request.body)
                    .unwrap_or_else(|e| panic!("{label}: the body is not JSON ({e}): {:?}", request.body));
                assert_eq!(&body, expected, "{label}: JSON body");
                assert_eq!(sent_query, [], "{label}: no query parameters but the key");
            }
            Payload::Query(expected) => {
                assert!(!self.json_body, "{label}: the spec has no JSON request body");
                assert_eq!(request.body, b"", "{label}: no body");
                assert_eq!(request.header("content-type"), None, "{label}: no content type");
                for (name, _) in expected {
                    assert!(
                        self.query_parameters.iter().any(|p| p == name),
                        "{label}: {name} is not a query parameter of the spec ({:?})",
                        self.query_parameters
                    );
                }
                let mut expected: Vec<(String, String)> =
                    expected.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
                expected.sort();
                assert_eq!(sent_query, expected, "{label}: query parameters");
            }
        }
    }

    /// [`KEY`] appears in the request once at most: in its header's value or
    /// its query parameter, never in the path, another header, another
    /// parameter or the body.
    fn assert_key_only_where_placed(&self, request: &CapturedRequest) {
        let (label, key) = (&self.label, KEY);
        assert!(!request.path().contains(key), "{label}: the key is in the path");
        for (name, value) in &request.headers {
            if !matches!(&self.placement, Placement::Header(h) if h.eq_ignore_ascii_case(name)) {
                assert!(!value.contains(key), "{label}: the key is in header {name}");
            }
        }
        for (name, value) in request.query() {
            if self.placement != Placement::Query(name.clone()) {
                assert!(
                    !value.contains(key) && !name.contains(key),
                    "{label}: the key is in parameter {name}"
                );
            }
        }
        let in_query = usize::from(matches!(self.placement, Placement::Query(_)));
        assert!(
            request.target.matches(key).count() <= in_query,
            "{label}: the key is in the target too often"
        );
        assert!(
            !String::from_utf8_lossy(&request.body).contains(key),
            "{label}: the key is in the body"
        );
    }
}

/// `value`, or what its local `$ref` points to.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => {
            let target = doc
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {pointer}"));
            resolve(doc, target)
        }
        None => value,
    }
}

// ---------------------------------------------------------------------------
// One call, captured
// ---------------------------------------------------------------------------

/// What a call was given beyond what the spec fixes.
enum Payload {
    /// A JSON body, as it must appear on the wire.
    Json(Value),
    /// Query parameters (besides the key), as they must decode.
    Query(Vec<(&'static str, String)>),
}

/// Calls operation `operation_id` of `api` through `send` (which builds its
/// client on the base URL it is given) against a capture server answering
/// the spec's success status with `reply`; checks the request against the
/// spec and returns the typed response and the raw request.
async fn exchange<T, Fut>(
    api: &str,
    operation_id: &str,
    payload: Payload,
    reply: Value,
    send: impl FnOnce(String) -> Fut,
) -> (T, CapturedRequest)
where
    Fut: Future<Output = Sent<T>>,
{
    let spec = SpecOperation::load(api, operation_id);
    let server = CaptureServer::start(spec.success, reply.to_string()).await;
    let result = send(server.base_url()).await;
    let request = server.request().await;
    spec.assert_sent(&request, &payload);
    let response = result.unwrap_or_else(|e| panic!("{}: {e}", spec.label));
    assert_eq!(response.status().as_u16(), spec.success, "{}: status", spec.label);
    (response.into_inner(), request)
}

/// `value` read strictly as `T`: the typed body a caller would build.
fn typed<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{value} is not a {}: {e}", std::any::type_name::<T>()))
}

fn strings(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

// ---------------------------------------------------------------------------
// Clickatell SMS API
// ---------------------------------------------------------------------------

#[tokio::test]
async fn clickatell_send_message_rest() {
    let body = json!({
        "to": ["27820000000", "27830000000"],
        "content": "Your code is 1234",
        "from": "27840000000",
        "clientMessageId": "c-1",
        "validityPeriod": 1440,
        "newRequestField": {"kept": true}
    });
    let reply = json!({
        "messages": [{"apiMessageId": "a1", "accepted": true, "to": "27820000000", "newField": 1}],
        "errorCode": null
    });
    let request_body: clickatell_sms::types::SendMessageRequest = typed(&body);
    let (sent, request) = exchange(
        "clickatell-sms-api",
        "sendMessageREST_1",
        Payload::Json(body),
        reply,
        |base| async move {
            let client = clickatell_sms::Client::with_api_key(&base, key());
            client.send_message_rest_1().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("smsgate/", env!("CARGO_PKG_VERSION"))),
        "with_api_key uses smsgate's HTTP client"
    );
    assert_eq!(sent.error_code, None);
    assert!(sent.extra.is_empty(), "{:?}", sent.extra);
    let [message] = &sent.messages[..] else {
        panic!("one message: {sent:?}")
    };
    assert_eq!(message.api_message_id.as_deref(), Some("a1"));
    assert_eq!(message.accepted, Some(true));
    assert_eq!(message.to.as_deref(), Some("27820000000"));
    assert_eq!(message.extra.get("newField"), Some(&json!(1)));
    assert_eq!(message.extra.len(), 1, "{:?}", message.extra);
}

#[tokio::test]
async fn clickatell_send_bulk_message_rest() {
    let body = json!({"messageList": [
        {"to": ["27820000000"], "content": "first", "clientMessageId": "b-1"},
        {"to": ["27830000000"], "content": "second", "binary": false, "charset": "UTF-8"}
    ]});
    let reply = json!([
        {"messages": [{"apiMessageId": "b1", "accepted": true, "to": "27820000000"}]},
        {"messages": [], "error": "bad number", "errorCode": 105, "errorDescription": "Invalid destination", "batch": 7}
    ]);
    let request_body: clickatell_sms::types::SendBulkMessageRequest = typed(&body);
    let (sent, _) = exchange(
        "clickatell-sms-api",
        "sendBulkMessageREST",
        Payload::Json(body),
        reply,
        |base| async move {
            let client = clickatell_sms::Client::with_api_key(&base, key());
            client.send_bulk_message_rest().body(request_body).send().await
        },
    )
    .await;
    let [first, second] = &sent[..] else {
        panic!("two results: {sent:?}")
    };
    assert_eq!(first.messages[0].api_message_id.as_deref(), Some("b1"));
    assert_eq!(first.messages[0].accepted, Some(true));
    assert!(second.messages.is_empty());
    assert_eq!(second.error.as_deref(), Some("bad number"));
    assert_eq!(second.error_code, Some(105));
    assert_eq!(second.error_description.as_deref(), Some("Invalid destination"));
    assert_eq!(second.extra.get("batch"), Some(&json!(7)));
}

#[tokio::test]
async fn clickatell_send_message_http() {
    // Characters that must be percent-encoded, to see them decode intact.
    let query = strings(&[
        ("to", "27820000000"),
        ("from", "+27840000000"),
        ("content", "Code: 12&34 = ok? ü"),
        ("clientMessageId", "h/1"),
    ]);
    let reply = json!({"messages": [{"apiMessageId": "h1", "accepted": true, "to": "27820000000"}]});
    let (sent, _) = exchange(
        "clickatell-sms-api",
        "sendMessageHTTP",
        Payload::Query(query),
        reply,
        |base| async move {
            let client = clickatell_sms::Client::with_api_key(&base, key());
            let send = client.send_message_http().to("27820000000").from("+27840000000");
            send.content("Code: 12&34 = ok? ü")
                .client_message_id("h/1")
                .send()
                .await
        },
    )
    .await;
    assert_eq!(sent.messages[0].api_message_id.as_deref(), Some("h1"));
    assert_eq!(sent.messages[0].accepted, Some(true));
}

// ---------------------------------------------------------------------------
// Clickatell SMS callbacks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn clickatell_get_sms_status_callback() {
    let query = strings(&[
        ("integrationName", "My integration"),
        ("messageId", "abc123"),
        ("requestId", "req-9"),
        ("clientMessageId", "c-1"),
        ("to", "27820000000"),
        ("from", "27840000000"),
        ("statusCode", "4"),
        ("status", "RECEIVED_BY_RECIPIENT"),
        ("statusDescription", "Received by recipient"),
        ("timestamp", "1700000000000"),
    ]);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendGetSmsStatusCallback",
        Payload::Query(query),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            let send = client.send_get_sms_status_callback().integration_name("My integration");
            let send = send.message_id("abc123").request_id("req-9").client_message_id("c-1");
            let send = send.to("27820000000").from("27840000000").status_code(4);
            let send = send
                .status("RECEIVED_BY_RECIPIENT")
                .status_description("Received by recipient");
            send.timestamp("1700000000000").send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_post_sms_status_callback() {
    let body = json!({
        "integrationName": "My integration",
        "messageId": "abc123",
        "requestId": "req-9",
        "clientMessageId": "c-1",
        "to": "27820000000",
        "from": "27840000000",
        "statusCode": 4,
        "status": "RECEIVED_BY_RECIPIENT",
        "statusDescription": "Received by recipient",
        "timestamp": "1700000000000"
    });
    let request_body: sms_callbacks::types::SmsStatusCallback = typed(&body);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendPostSmsStatusCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            client.send_post_sms_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_get_sms_reply_callback() {
    let query = strings(&[
        ("integrationName", "My integration"),
        ("replyMessageId", "r-1"),
        ("messageId", "abc123"),
        ("fromNumber", "27820000000"),
        ("toNumber", "27840000000"),
        ("timestamp", "1700000000000"),
        ("text", "Yes please & thanks"),
        ("charset", "UTF-8"),
        ("udh", "050003CC0201"),
        ("network", "12"),
        ("keyword", "YES"),
    ]);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendGetSmsReplyCallback",
        Payload::Query(query),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            let send = client.send_get_sms_reply_callback().integration_name("My integration");
            let send = send.reply_message_id("r-1").message_id("abc123");
            let send = send
                .from_number("27820000000")
                .to_number("27840000000")
                .timestamp(1_700_000_000_000_i64);
            let send = send.text("Yes please & thanks").charset("UTF-8").udh("050003CC0201");
            send.network(12).keyword("YES").send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_post_sms_reply_callback() {
    let body = json!({
        "integrationName": "My integration",
        "replyMessageId": "r-1",
        "messageId": "abc123",
        "fromNumber": "27820000000",
        "toNumber": "27840000000",
        "timestamp": 1_700_000_000_000_i64,
        "text": "Yes please",
        "charset": "UTF-8",
        "network": 12,
        "keyword": "YES"
    });
    let request_body: sms_callbacks::types::SendReplyMessageRequest = typed(&body);
    let (ack, _) = exchange(
        "clickatell-sms-callbacks",
        "sendPostSmsReplyCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = sms_callbacks::Client::with_api_key(&base, key());
            client.send_post_sms_reply_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

// ---------------------------------------------------------------------------
// Clickatell One API callbacks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn clickatell_post_omni_reply_callback() {
    let body = json!({
        "integrationId": "i-1",
        "integrationName": "My integration",
        "event": {"moText": [{
            "channel": "sms",
            "messageId": "mo-1",
            "relatedMessageId": "abc123",
            "from": "27820000000",
            "to": "27840000000",
            "timestamp": 1_700_000_000_000_i64,
            "content": "Hello",
            "charset": "UTF-8",
            "sms": {"network": 12}
        }]}
    });
    let request_body: one_api::types::OmniReplyCallbackRequest = typed(&body);
    let (ack, _) = exchange(
        "clickatell-one-api-callbacks",
        "sendPostOmniReplyCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = one_api::Client::with_api_key(&base, key());
            client.send_post_omni_reply_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

#[tokio::test]
async fn clickatell_post_omni_status_callback() {
    let body = json!({
        "integrationId": "i-1",
        "event": {"messageStatusUpdate": [{
            "channel": "rcs",
            "messageId": "m1",
            "clientMessageId": "c-1",
            "statusCode": 5,
            "status": "DEVICE_ACK",
            "timestamp": 1_700_000_000_000_i64
        }]}
    });
    let request_body: one_api::types::OmniStatusCallbackRequest = typed(&body);
    let (ack, _) = exchange(
        "clickatell-one-api-callbacks",
        "sendPostOmniStatusCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = one_api::Client::with_api_key(&base, key());
            client.send_post_omni_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

// ---------------------------------------------------------------------------
// SmartHive and ClearLine
// ---------------------------------------------------------------------------

#[tokio::test]
async fn smarthive_status_callback() {
    let body = json!({
        "msg_id": "jyd823-23n",
        "status": "DELIVRD",
        "dlr_code": "000",
        "desc": "Delivered",
        "str_length": "157",
        "pg_length": "2",
        "cost": "3.00",
        "timestamp": "2024-01-01 10:00:00",
        "operator": "acme"
    });
    let request_body: smarthive::types::SmartHiveStatusCallback = typed(&body);
    let (ack, _) = exchange(
        "smarthive-callbacks",
        "sendSmartHiveStatusCallback",
        Payload::Json(body),
        json!({"status": "ok", "receivedAt": 1}),
        |base| async move {
            let client = smarthive::Client::with_api_key(&base, key());
            client.send_smart_hive_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
    assert_eq!(ack.extra.get("receivedAt"), Some(&json!(1)));
}

#[tokio::test]
async fn clearline_send_sms() {
    let body = clearline_sms::types::SendSmsRequest::builder()
        .phone("+12025551234")
        .message("Your order is ready for pickup.")
        .callback_url(Some(
            "https://example.com/client-callback/clearline-status?token=t".to_string(),
        ));
    let expected = json!({
        "phone": "+12025551234",
        "message": "Your order is ready for pickup.",
        "callbackUrl": "https://example.com/client-callback/clearline-status?token=t"
    });
    let (sent, _) = exchange(
        "clearline-sms-api",
        "sendSms",
        Payload::Json(expected),
        json!({"succeed": true, "messageId": "m-1"}),
        |base| async move {
            let client = clearline_sms::Client::with_api_key(&base, key());
            client.send_sms().body(body).send().await
        },
    )
    .await;
    assert_eq!(sent.succeed, Some(true));
    assert_eq!(sent.message_id.as_deref(), Some("m-1"));
    assert!(sent.extra.is_empty(), "{:?}", sent.extra);
}

#[tokio::test]
async fn clearline_status_callback() {
    let body = json!({
        "messageId": "m-1",
        "deliveryStatus": "Delivered",
        "externalDeliveryStatus": "DELIVRD",
        "reasonText": "ok",
        "segments": 2
    });
    let request_body: clearline_callbacks::types::DeliveryStatusCallback = typed(&body);
    let (ack, _) = exchange(
        "clearline-callbacks",
        "sendClearLineStatusCallback",
        Payload::Json(body),
        json!({"status": "ok"}),
        |base| async move {
            let client = clearline_callbacks::Client::with_api_key(&base, key());
            client.send_clear_line_status_callback().body(request_body).send().await
        },
    )
    .await;
    assert_eq!(ack.status, "ok");
}

// ---------------------------------------------------------------------------
// Other ways to build a client
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

type Call = fn(String, Credentials) -> Pin<Box<dyn Future<Output = Result<(), Error>>>>;

/// One operation per client, called with minimal inputs.
struct KeyCarryingCall {
    api: &'static str,
    operation_id: &'static str,
    send: Call,
}

fn key_carrying_calls() -> Vec<KeyCarryingCall> {
    vec![
        KeyCarryingCall {
            api: "clickatell-sms-api",
            operation_id: "sendMessageHTTP",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clickatell_sms::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    client
                        .send_message_http()
                        .to("27820000000")
                        .content("hi")
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clickatell-sms-api",
            operation_id: "sendMessageREST_1",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clickatell_sms::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = clickatell_sms::types::SendMessageRequest::builder().content(Some("hi".to_string()));
                    client.send_message_rest_1().body(body).send().await.map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clickatell-sms-callbacks",
            operation_id: "sendGetSmsStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = sms_callbacks::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    client
                        .send_get_sms_status_callback()
                        .message_id("m")
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clickatell-one-api-callbacks",
            operation_id: "sendPostOmniStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = one_api::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = one_api::types::OmniStatusCallbackRequest::builder();
                    client
                        .send_post_omni_status_callback()
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "smarthive-callbacks",
            operation_id: "sendSmartHiveStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = smarthive::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = smarthive::types::SmartHiveStatusCallback::builder();
                    client
                        .send_smart_hive_status_callback()
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clearline-sms-api",
            operation_id: "sendSms",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clearline_sms::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = clearline_sms::types::SendSmsRequest::builder()
                        .phone("+1")
                        .message("hi");
                    client.send_sms().body(body).send().await.map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clearline-callbacks",
            operation_id: "sendClearLineStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clearline_callbacks::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = clearline_callbacks::types::DeliveryStatusCallback::builder();
                    client
                        .send_clear_line_status_callback()
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
    ]
}

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

// ---------------------------------------------------------------------------
// The checks themselves
// ---------------------------------------------------------------------------

/// A request as the spec wants it for `operation_id` of the Clickatell SMS
/// API, with the payload it was built from.
fn conforming_request(operation_id: &str) -> (SpecOperation, CapturedRequest, Payload) {
    let spec = SpecOperation::load("clickatell-sms-api", operation_id);
    let accept = ("accept".to_string(), "application/json".to_string());
    let (target, headers, body, payload) = match operation_id {
        "sendMessageREST_1" => (
            "/messages".to_string(),
            vec![
                accept,
                header("content-type", "application/json"),
                header("authorization", KEY),
            ],
            br#"{"to":["27820000000"]}"#.to_vec(),
            Payload::Json(json!({"to": ["27820000000"]})),
        ),
        "sendMessageHTTP" => (
            format!("/messages/http/send?content=a+%26+b&to=27820000000&apiKey={KEY}"),
            vec![accept],
            Vec::new(),
            Payload::Query(strings(&[("to", "27820000000"), ("content", "a & b")])),
        ),
        other => panic!("no conforming request for {other}"),
    };
    let request = CapturedRequest {
        method: spec.method.clone(),
        target,
        version: "HTTP/1.1".into(),
        headers,
        body,
    };
    (spec, request, payload)
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// Each way a request can break is caught by `assert_sent`, so the
/// operation tests above can fail.
#[test]
fn the_checks_catch_broken_requests() {
    type Break = fn(&mut CapturedRequest);
    let rest: &[(&str, Break)] = &[
        ("method", |r| r.method = "PUT".into()),
        ("path", |r| r.target = "/message".into()),
        ("api-version", |r| r.headers.push(header("api-version", "1.0.0"))),
        ("no key", |r| r.headers.retain(|(n, _)| n != "authorization")),
        ("other key value", |r| r.headers[2].1 = "another-key".into()),
        ("Bearer key", |r| r.headers[2].1 = format!("Bearer {KEY}")),
        ("key twice", |r| r.headers.push(header("authorization", KEY))),
        ("key in another header", |r| r.headers.push(header("x-api-key", KEY))),
        ("key in the query", |r| r.target = format!("/messages?apiKey={KEY}")),
        ("key in the body", |r| {
            r.body = format!(r#"{{"to":["27820000000"],"k":"{KEY}"}}"#).into_bytes()
        }),
        ("content type", |r| r.headers[1].1 = "text/plain".into()),
        ("body", |r| {
            r.body = br#"{"to":["27820000000"],"content":null}"#.to_vec()
        }),
        ("query parameter", |r| r.target = "/messages?to=27820000000".into()),
    ];
    let http: &[(&str, Break)] = &[
        ("method", |r| r.method = "POST".into()),
        ("no key", |r| {
            r.target = "/messages/http/send?content=a+%26+b&to=27820000000".into()
        }),
        ("key name", |r| r.target = r.target.replace("apiKey=", "apikey=")),
        ("key twice", |r| r.target.push_str(&format!("&apiKey={KEY}"))),
        ("key in a header", |r| r.headers.push(header("authorization", KEY))),
        ("Basic auth", |r| r.headers.push(header("authorization", "Basic dTpw"))),
        ("parameter value", |r| r.target = r.target.replace("a+%26+b", "a")),
        ("parameter missing", |r| {
            r.target = r.target.replace("to=27820000000&", "")
        }),
        ("extra parameter", |r| r.target.push_str("&from=1")),
        ("body", |r| r.body = b"{}".to_vec()),
        ("api-version", |r| r.headers.push(header("api-version", "1.0.0"))),
    ];
    for (operation_id, breaks) in [("sendMessageREST_1", rest), ("sendMessageHTTP", http)] {
        let (spec, request, payload) = conforming_request(operation_id);
        spec.assert_sent(&request, &payload);
        for (what, break_it) in breaks {
            let mut broken = request.clone();
            break_it(&mut broken);
            let caught = std::panic::catch_unwind(|| spec.assert_sent(&broken, &payload));
            assert!(
                caught.is_err(),
                "{operation_id}: a broken {what} passes the checks: {broken:?}"
            );
        }
    }
}
