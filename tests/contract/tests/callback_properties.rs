//! The providers -> our receiver, property-based: for each of the eight
//! callback operations, payloads generated from the schemas of its effective
//! spec (the request body's, or the query parameters' for the GET callbacks)
//! are sent through the generated callback-role client, with the callback
//! secret as the spec's `token`, to a real receiver.
//!
//! Every one must be acknowledged (200 `{"status":"ok"}`) and stored. What
//! "stored" means, per request:
//! - the raw request: exactly one more row, with the operation's method and
//!   path (the secret stripped from its query);
//! - what the receiver's own parser reads from that stored raw request is
//!   visible through the query API: a status event (status operations) in
//!   `/v1/messages/{provider}/{id}` with its raw status and time; an
//!   inbound message (reply operations) in `/v1/inbound`; an event type it
//!   does not store (`statusIsTyping`, types newer than the spec) counted in
//!   the `smsgate_ignored_event_types` metric; and a payload it cannot read
//!   (the spec marks nothing required, so a message id may be missing) in
//!   `/v1/quarantine` with the parser's reason;
//! - and the schema-generated payloads do reach the events: each operation
//!   must store events for some cases, so the check cannot pass vacuously.

use proptest::strategy::{BoxedStrategy, Strategy};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use smsgate::clearline::callbacks as clearline;
use smsgate::clickatell::{one_api_callbacks as one_api, sms_callbacks as sms};
use smsgate::smarthive::callbacks as smarthive;
use smsgate_callbacks::{Callback, Input, Route};
use smsgate_contract_tests::receiver::ThroughGeneratedClients;
use smsgate_contract_tests::schema::{self, Properties};
use smsgate_contract_tests::specs;
use smsgate_normalize::StatusEvent;
use smsgate_test_support::receiver::TestReceiver;

/// Cases per operation: enough to cover optional fields both ways, quick in CI.
const CASES: u32 = 16;

/// One callback operation of a vendored callback spec.
#[derive(Debug, Clone, Copy)]
struct Operation {
    api: &'static str,
    operation_id: &'static str,
    route: Route,
}

const fn op(api: &'static str, operation_id: &'static str, route: Route) -> Operation {
    Operation {
        api,
        operation_id,
        route,
    }
}

const SMS: &str = "clickatell-sms-callbacks";
const ONE_API: &str = "clickatell-one-api-callbacks";

/// The payloads the spec describes for `op`: its JSON body, or its query
/// parameters as one object. Half of them have every property: the specs
/// mark nothing required, so with optional properties left out at random a
/// callback of several events nearly always lacks a message id somewhere
/// and is quarantined (which the other half covers).
fn payloads(op: Operation) -> BoxedStrategy<Value> {
    proptest::prop_oneof![
        payloads_with(op, Properties::AsSpecified),
        payloads_with(op, Properties::All)
    ]
    .boxed()
}

fn payloads_with(op: Operation, properties: Properties) -> BoxedStrategy<Value> {
    let spec = specs::load(op.api);
    let (_, _, operation) = specs::operation(&spec, op.operation_id);
    if let Some(body) = operation["requestBody"]["content"]["application/json"].get("schema") {
        return schema::values(&spec, body, properties);
    }
    let parameters: Vec<(String, Value, bool)> = operation["parameters"]
        .as_array()
        .expect("a GET callback has query parameters")
        .iter()
        .map(|parameter| {
            assert_eq!(parameter["in"], "query", "{}: {parameter}", op.operation_id);
            let name = parameter["name"].as_str().expect("a parameter name").to_string();
            (name, parameter["schema"].clone(), parameter["required"] == true)
        })
        .collect();
    schema::object_of(&spec, &parameters, properties)
}

/// `value` as the generated type `T`: a payload the schema allows must be
/// one the generated type reads.
fn typed<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("the generated type rejects a schema-valid value ({e}): {value}"))
}

/// Calls each query parameter's setter on a GET callback's builder; a
/// parameter without a setter here (the spec grew one) is an error.
macro_rules! with_query {
    ($builder:expr, $payload:expr, { $($name:literal => $setter:ident: $type:ty),* $(,)? }) => {{
        let mut builder = $builder;
        for (name, value) in $payload.as_object().expect("query parameters as an object") {
            builder = match name.as_str() {
                $($name => builder.$setter(typed::<$type>(value)),)*
                other => panic!("query parameter {other} has no setter in this test: add it"),
            };
        }
        builder
    }};
}

/// The acknowledgement's body as JSON, or the error the client reported.
fn ack<A: Serialize, E: Debug>(result: Result<sms::ResponseValue<A>, sms::Error<E>>) -> Result<Value, String> {
    let response = result.map_err(|e| e.to_string())?;
    Ok(serde_json::to_value(response.into_inner()).expect("an ack serializes"))
}

/// Sends `payload` through the generated client of `op`.
async fn send(receiver: &TestReceiver, op: Operation, payload: &Value) -> Result<Value, String> {
    let base = receiver.callback_base.as_str();
    let key = receiver.callback_key();
    match op.operation_id {
        "sendGetSmsStatusCallback" => {
            let client = sms::Client::with_api_key(base, key);
            let builder = with_query!(client.send_get_sms_status_callback(), payload, {
                "integrationName" => integration_name: String,
                "messageId" => message_id: String,
                "requestId" => request_id: String,
                "clientMessageId" => client_message_id: String,
                "to" => to: String,
                "from" => from: String,
                "statusCode" => status_code: i32,
                "status" => status: String,
                "statusDescription" => status_description: String,
                "timestamp" => timestamp: String,
            });
            ack(builder.send().await)
        }
        "sendGetSmsReplyCallback" => {
            let client = sms::Client::with_api_key(base, key);
            let builder = with_query!(client.send_get_sms_reply_callback(), payload, {
                "integrationName" => integration_name: String,
                "replyMessageId" => reply_message_id: String,
                "messageId" => message_id: String,
                "fromNumber" => from_number: String,
                "toNumber" => to_number: String,
                "timestamp" => timestamp: i64,
                "text" => text: String,
                "charset" => charset: String,
                "udh" => udh: String,
                "network" => network: i32,
                "keyword" => keyword: String,
            });
            ack(builder.send().await)
        }
        "sendPostSmsStatusCallback" => {
            let client = sms::Client::with_api_key(base, key);
            let body: sms::types::SmsStatusCallback = typed(payload);
            ack(client.send_post_sms_status_callback().body(body).send().await)
        }
        "sendPostSmsReplyCallback" => {
            let client = sms::Client::with_api_key(base, key);
            let body: sms::types::SendReplyMessageRequest = typed(payload);
            ack(client.send_post_sms_reply_callback().body(body).send().await)
        }
        "sendPostOmniStatusCallback" => {
            let client = one_api::Client::with_api_key(base, key);
            let body: one_api::types::OmniStatusCallbackRequest = typed(payload);
            ack(client.send_post_omni_status_callback().body(body).send().await)
        }
        "sendPostOmniReplyCallback" => {
            let client = one_api::Client::with_api_key(base, key);
            let body: one_api::types::OmniReplyCallbackRequest = typed(payload);
            ack(client.send_post_omni_reply_callback().body(body).send().await)
        }
        "sendSmartHiveStatusCallback" => {
            let client = smarthive::Client::with_api_key(base, key);
            let body: smarthive::types::SmartHiveStatusCallback = typed(payload);
            ack(client.send_smart_hive_status_callback().body(body).send().await)
        }
        "sendClearLineStatusCallback" => {
            let client = clearline::Client::with_api_key(base, key);
            let body: clearline::types::DeliveryStatusCallback = typed(payload);
            ack(client.send_clear_line_status_callback().body(body).send().await)
        }
        other => panic!("no generated client call for {other}"),
    }
}

/// What one stored request held, for the vacuity check.
#[derive(Debug, Default, Clone, Copy)]
struct Stored {
    events: usize,
}

/// Sends one payload and checks it was acknowledged and stored (see the module doc).
async fn check_case(receiver: &TestReceiver, op: Operation, payload: &Value) -> Result<Stored, TestCaseError> {
    let api = receiver.api_client();
    let provider = op.route.provider().as_str();
    let ignored_metric = format!("provider=\"{provider}\"");
    let raw_before = receiver.raw_requests().len();
    let quarantined_before = api
        .list_quarantine()
        .send()
        .await
        .expect("quarantine")
        .into_inner()
        .requests
        .len();
    let ignored_before = receiver
        .counter("smsgate_ignored_event_types_total", &ignored_metric)
        .await;

    let ack = send(receiver, op, payload).await.map_err(TestCaseError::fail)?;
    proptest::prop_assert_eq!(ack, serde_json::json!({"status": "ok"}));

    let raw = receiver.raw_requests();
    proptest::prop_assert_eq!(raw.len(), raw_before + 1, "one more raw request");
    let stored = raw.last().expect("the new raw request");
    let spec = specs::load(op.api);
    let (_, method, _) = specs::operation(&spec, op.operation_id);
    proptest::prop_assert_eq!(&stored.method, &method.to_ascii_uppercase());
    proptest::prop_assert_eq!(stored.path.as_str(), op.route.path());
    let input = match stored.method.as_str() {
        "GET" => Input::Query(stored.query.as_deref().unwrap_or_default()),
        _ => Input::Body(&stored.body),
    };
    let quarantine = api
        .list_quarantine()
        .send()
        .await
        .expect("quarantine")
        .into_inner()
        .requests;
    let callback = match smsgate_callbacks::parse(op.route, input) {
        Err(unparseable) => {
            proptest::prop_assert_eq!(quarantine.len(), quarantined_before + 1, "quarantined");
            let last = quarantine.last().expect("the quarantined request");
            proptest::prop_assert_eq!(&last.error, &unparseable.0);
            return Ok(Stored::default());
        }
        Ok(callback) => callback,
    };
    proptest::prop_assert_eq!(quarantine.len(), quarantined_before, "not quarantined");
    assert_visible(receiver, provider, &callback).await?;
    let ignored = receiver
        .counter("smsgate_ignored_event_types_total", &ignored_metric)
        .await;
    proptest::prop_assert_eq!(
        ignored - ignored_before,
        callback.ignored.len() as f64,
        "ignored event types counted"
    );
    Ok(Stored {
        events: callback.status.len() + callback.inbound.len(),
    })
}

/// Each status event and inbound message of `callback` is in the query API.
async fn assert_visible(receiver: &TestReceiver, provider: &str, callback: &Callback) -> Result<(), TestCaseError> {
    let api = receiver.api_client();
    for event in &callback.status {
        if matches!(event.message_id.as_str(), "." | "..") {
            // No HTTP path carries `.` or `..` as a segment: URL parsers
            // resolve them, percent-encoded too (WHATWG URL). Such a message
            // is not addressable by GET /v1/messages/{provider}/{id}; the
            // feed has it.
            let found = feed_has(&api, provider, event).await;
            proptest::prop_assert!(found, "event {event:?} not in /v1/events");
            continue;
        }
        let view = receiver.message_view(provider, &event.message_id).await;
        let view = view.ok_or_else(|| TestCaseError::fail(format!("message {:?} not stored", event.message_id)))?;
        let found = view["events"]
            .as_array()
            .expect("a message view has events")
            .iter()
            .any(|stored| {
                stored["raw_status"].as_str() == event.raw_status.as_deref()
                    && stored["occurred_at"].as_i64() == event.occurred_at
            });
        proptest::prop_assert!(found, "event {event:?} not among the stored {}", view["events"]);
    }
    if !callback.inbound.is_empty() {
        let feed = api
            .list_inbound()
            .limit(1000_u32)
            .send()
            .await
            .expect("inbound")
            .into_inner()
            .messages;
        for message in &callback.inbound {
            let found = feed.iter().any(|stored| stored.message_id == message.message_id);
            proptest::prop_assert!(found, "inbound {:?} not in /v1/inbound", message.message_id);
        }
    }
    Ok(())
}

/// Whether `/v1/events`, read page by page, holds `event` of `provider`.
async fn feed_has(api: &smsgate::api::Client, provider: &str, event: &StatusEvent) -> bool {
    let mut after: Option<String> = None;
    loop {
        let mut request = api.list_events().limit(1000_u32);
        if let Some(cursor) = &after {
            request = request.after(cursor.clone());
        }
        let page = request.send().await.expect("the feed").into_inner();
        if page.events.is_empty() {
            return false;
        }
        let matches = |stored: &Value| {
            stored["kind"] == "status"
                && stored["provider"] == provider
                && stored["message_id"] == event.message_id.as_str()
                && stored["raw_status"].as_str() == event.raw_status.as_deref()
        };
        if page
            .events
            .iter()
            .any(|stored| matches(&serde_json::to_value(stored).expect("a feed event serializes")))
        {
            return true;
        }
        after = Some(page.next_cursor);
    }
}

/// Runs [`CASES`] generated payloads of `op` against one receiver.
fn acknowledged_and_stored(op: Operation) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let receiver = runtime.block_on(TestReceiver::start());
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let with_events = std::cell::Cell::new(0);
    TestRunner::new(config)
        .run(&payloads(op), |payload| {
            let stored = runtime.block_on(check_case(&receiver, op, &payload))?;
            with_events.set(with_events.get() + usize::from(stored.events > 0));
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{} {}: {failure}", op.api, op.operation_id));
    assert!(
        with_events.get() > 0,
        "{}: no generated payload was stored as an event; the check proved nothing",
        op.operation_id
    );
}

#[test]
fn clickatell_get_sms_status() {
    acknowledged_and_stored(op(SMS, "sendGetSmsStatusCallback", Route::ClickatellSmsStatus));
}

#[test]
fn clickatell_post_sms_status() {
    acknowledged_and_stored(op(SMS, "sendPostSmsStatusCallback", Route::ClickatellSmsStatus));
}

#[test]
fn clickatell_get_sms_reply() {
    acknowledged_and_stored(op(SMS, "sendGetSmsReplyCallback", Route::ClickatellSmsReply));
}

#[test]
fn clickatell_post_sms_reply() {
    acknowledged_and_stored(op(SMS, "sendPostSmsReplyCallback", Route::ClickatellSmsReply));
}

#[test]
fn clickatell_one_api_status() {
    acknowledged_and_stored(op(ONE_API, "sendPostOmniStatusCallback", Route::ClickatellOneApiStatus));
}

#[test]
fn clickatell_one_api_reply() {
    acknowledged_and_stored(op(ONE_API, "sendPostOmniReplyCallback", Route::ClickatellOneApiReply));
}

#[test]
fn smarthive_status() {
    acknowledged_and_stored(op(
        "smarthive-callbacks",
        "sendSmartHiveStatusCallback",
        Route::SmarthiveStatus,
    ));
}

#[test]
fn clearline_status() {
    acknowledged_and_stored(op(
        "clearline-callbacks",
        "sendClearLineStatusCallback",
        Route::ClearlineStatus,
    ));
}

/// The case proptest found: a message id that is a dot segment is stored
/// and in the feed, though no URL path can address it.
#[test]
fn a_dot_segment_message_id_is_stored_and_in_the_feed() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let receiver = runtime.block_on(TestReceiver::start());
    let op = op(
        "smarthive-callbacks",
        "sendSmartHiveStatusCallback",
        Route::SmarthiveStatus,
    );
    for id in [".", ".."] {
        let payload = serde_json::json!({"msg_id": id, "status": "DELIVRD"});
        let stored = runtime
            .block_on(check_case(&receiver, op, &payload))
            .unwrap_or_else(|failure| panic!("msg_id {id:?}: {failure}"));
        assert_eq!(stored.events, 1, "msg_id {id:?}");
    }
}
