//! Every example in the effective specs: found wherever it stands (an
//! `example`, an `examples` entry, in a schema, a parameter or a media type)
//! and read by the generated type of its schema or of its operation; an
//! example in a place these tests do not know fails with where it is.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use smsgate::clearline::callbacks::types as clearline_callbacks;
use smsgate::clearline::sms_api::types as clearline_sms;
use smsgate::clickatell::one_api_callbacks::types as one_api;
use smsgate::clickatell::sms_api::types as clickatell_sms;
use smsgate::clickatell::sms_callbacks::types as sms_callbacks;
use smsgate::smarthive::callbacks::types as smarthive;
use smsgate_doc_examples::{example_object_value, find_examples};

use crate::{SPECS, read_repo_file, spec};

/// Reads an example strictly (serde_json, no repairs: the specs are JSON) and
/// leniently, and writes it back.
type Reader = fn(&Value) -> Result<Value, String>;

fn read_strict<T: DeserializeOwned + Serialize + schemars::JsonSchema>(example: &Value) -> Result<Value, String> {
    let strict: T = serde_json::from_value(example.clone()).map_err(|e| format!("strictly: {e}"))?;
    let lenient: T = smsgate::lenient::from_value(example.clone()).map_err(|e| format!("leniently: {e}"))?;
    let written = serde_json::to_value(&strict).map_err(|e| e.to_string())?;
    if serde_json::to_value(&lenient).map_err(|e| e.to_string())? != written {
        return Err("strict and lenient reading differ".into());
    }
    Ok(written)
}

/// The generated type of each component schema of each effective spec.
fn reader(spec: &str, schema: &str) -> Option<Reader> {
    Some(match (spec, schema) {
        ("clearline-callbacks", "DeliveryStatusCallback") => read_strict::<clearline_callbacks::DeliveryStatusCallback>,
        ("clearline-callbacks", "CallbackAck") => read_strict::<clearline_callbacks::CallbackAck>,
        ("clearline-sms-api", "SendSmsRequest") => read_strict::<clearline_sms::SendSmsRequest>,
        ("clearline-sms-api", "SendSmsResponse") => read_strict::<clearline_sms::SendSmsResponse>,
        ("clickatell-one-api-callbacks", name) => match name {
            "OmniReplyCallbackRequest" => read_strict::<one_api::OmniReplyCallbackRequest>,
            "ReplyEvents" => read_strict::<one_api::ReplyEvents>,
            "TextReply" => read_strict::<one_api::TextReply>,
            "WhatsAppContent" => read_strict::<one_api::WhatsAppContent>,
            "ReferralInfo" => read_strict::<one_api::ReferralInfo>,
            "Sms" => read_strict::<one_api::Sms>,
            "MediaReply" => read_strict::<one_api::MediaReply>,
            "InlineMediaReply" => read_strict::<one_api::InlineMediaReply>,
            "ReferenceMediaReply" => read_strict::<one_api::ReferenceMediaReply>,
            "ReferenceMediaFile" => read_strict::<one_api::ReferenceMediaFile>,
            "LocationReply" => read_strict::<one_api::LocationReply>,
            "ContactsReply" => read_strict::<one_api::ContactsReply>,
            "WhatsAppContact" => read_strict::<one_api::WhatsAppContact>,
            "SuggestedResponseReply" => read_strict::<one_api::SuggestedResponseReply>,
            "ListPickerResponseReply" => read_strict::<one_api::ListPickerResponseReply>,
            "SelectedButtonItem" => read_strict::<one_api::SelectedButtonItem>,
            "ButtonResponseReply" => read_strict::<one_api::ButtonResponseReply>,
            "OmniStatusCallbackRequest" => read_strict::<one_api::OmniStatusCallbackRequest>,
            "StatusEvents" => read_strict::<one_api::StatusEvents>,
            "MessageStatus" => read_strict::<one_api::MessageStatus>,
            "FallbackStatus" => read_strict::<one_api::FallbackStatus>,
            "TypingStatus" => read_strict::<one_api::TypingStatus>,
            "CallbackAck" => read_strict::<one_api::CallbackAck>,
            _ => return None,
        },
        ("clickatell-sms-api", name) => match name {
            "SendMessageRequest" => read_strict::<clickatell_sms::SendMessageRequest>,
            "SendMessagesListResponse" => read_strict::<clickatell_sms::SendMessagesListResponse>,
            "SendMessagesListResponse[]" => read_strict::<Vec<clickatell_sms::SendMessagesListResponse>>,
            "SendMessageResponse" => read_strict::<clickatell_sms::SendMessageResponse>,
            "SendBulkMessageRequest" => read_strict::<clickatell_sms::SendBulkMessageRequest>,
            _ => return None,
        },
        ("clickatell-sms-callbacks", name) => match name {
            "SendReplyMessageRequest" => read_strict::<sms_callbacks::SendReplyMessageRequest>,
            "SmsStatusCallback" => read_strict::<sms_callbacks::SmsStatusCallback>,
            "CallbackAck" => read_strict::<sms_callbacks::CallbackAck>,
            _ => return None,
        },
        ("smarthive-callbacks", "SmartHiveStatusCallback") => read_strict::<smarthive::SmartHiveStatusCallback>,
        ("smarthive-callbacks", "CallbackAck") => read_strict::<smarthive::CallbackAck>,
        _ => return None,
    })
}

/// Each operation's request and response bodies, by operationId: the table
/// this file maps examples with. `name[]` is an array of `name`.
struct Operation {
    spec: &'static str,
    id: &'static str,
    request: Option<&'static str>,
    responses: &'static [(&'static str, &'static str)],
}

const OPERATIONS: &[Operation] = &[
    Operation {
        spec: "clearline-callbacks",
        id: "sendClearLineStatusCallback",
        request: Some("DeliveryStatusCallback"),
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "clearline-sms-api",
        id: "sendSms",
        request: Some("SendSmsRequest"),
        responses: &[("200", "SendSmsResponse")],
    },
    Operation {
        spec: "clickatell-one-api-callbacks",
        id: "sendPostOmniReplyCallback",
        request: Some("OmniReplyCallbackRequest"),
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "clickatell-one-api-callbacks",
        id: "sendPostOmniStatusCallback",
        request: Some("OmniStatusCallbackRequest"),
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "clickatell-sms-api",
        id: "sendMessageREST_1",
        request: Some("SendMessageRequest"),
        responses: &[("202", "SendMessagesListResponse")],
    },
    Operation {
        spec: "clickatell-sms-api",
        id: "sendBulkMessageREST",
        request: Some("SendBulkMessageRequest"),
        responses: &[("202", "SendMessagesListResponse[]")],
    },
    Operation {
        spec: "clickatell-sms-api",
        id: "sendMessageHTTP",
        request: None,
        responses: &[("202", "SendMessagesListResponse")],
    },
    Operation {
        spec: "clickatell-sms-callbacks",
        id: "sendGetSmsStatusCallback",
        request: None,
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "clickatell-sms-callbacks",
        id: "sendPostSmsStatusCallback",
        request: Some("SmsStatusCallback"),
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "clickatell-sms-callbacks",
        id: "sendGetSmsReplyCallback",
        request: None,
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "clickatell-sms-callbacks",
        id: "sendPostSmsReplyCallback",
        request: Some("SendReplyMessageRequest"),
        responses: &[("200", "CallbackAck")],
    },
    Operation {
        spec: "smarthive-callbacks",
        id: "sendSmartHiveStatusCallback",
        request: Some("SmartHiveStatusCallback"),
        responses: &[("200", "CallbackAck")],
    },
];

fn operation(spec: &str, id: &str) -> &'static Operation {
    OPERATIONS
        .iter()
        .find(|op| op.spec == spec && op.id == id)
        .unwrap_or_else(|| panic!("openapi/{spec}.json: operation {id} is not in this test's table; add it"))
}

/// The schema a media type's `schema` names: `Name` for a `$ref`, `Name[]`
/// for an array of one.
fn schema_name(schema: &Value) -> String {
    let reference = |s: &Value| {
        s.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string)
    };
    if let Some(name) = reference(schema) {
        return name;
    }
    if schema.get("type").and_then(Value::as_str) == Some("array")
        && let Some(name) = schema.get("items").and_then(reference)
    {
        return format!("{name}[]");
    }
    panic!("an inline schema, not mapped to a generated type by this test: {schema}")
}

/// The operations of a spec: (path, method, operation object).
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if ["get", "put", "post", "delete", "options", "head", "patch", "trace"].contains(&method.as_str()) {
                found.push((path.clone(), method.clone(), op));
            }
        }
    }
    found
}

#[test]
fn the_operation_table_matches_the_specs() {
    let mut seen = 0;
    for name in SPECS {
        let doc = spec(name);
        for (path, method, op) in operations(&doc) {
            let id = op["operationId"].as_str().expect("every operation has an operationId");
            let expected = operation(name, id);
            seen += 1;
            let body = op.pointer("/requestBody/content").and_then(Value::as_object);
            let requests: Vec<String> = body
                .into_iter()
                .flatten()
                .map(|(_, m)| schema_name(&m["schema"]))
                .collect();
            match expected.request {
                Some(request) => assert!(
                    !requests.is_empty() && requests.iter().all(|r| r == request),
                    "{name} {method} {path}: body {requests:?}, table {request}"
                ),
                None => assert!(requests.is_empty(), "{name} {method} {path}: body {requests:?}"),
            }
            for (code, response) in op["responses"].as_object().expect("responses") {
                let content = response.get("content").and_then(Value::as_object);
                for (media, body) in content.into_iter().flatten() {
                    let table = expected.responses.iter().find(|(c, _)| c == code).map(|(_, s)| *s);
                    assert_eq!(
                        Some(schema_name(&body["schema"]).as_str()),
                        table,
                        "{name} {id} response {code} {media}"
                    );
                }
            }
        }
        for schema in doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .expect("schemas")
            .keys()
        {
            assert!(
                reader(name, schema).is_some(),
                "openapi/{name}.json: schema {schema} has no generated type in this test"
            );
        }
    }
    assert_eq!(
        seen,
        OPERATIONS.len(),
        "the table lists operations the specs do not have"
    );
}

/// Where an example stands in a spec, and what it must read as.
#[derive(Debug)]
struct Example {
    spec: &'static str,
    pointer: String,
    /// The schema the example must fit (`Name` or `Name[]`).
    schema: String,
    /// For a property example, the property: the example is read as an
    /// object holding just that property.
    property: Option<String>,
    value: Value,
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn classify(spec: &'static str, doc: &Value, at: &[String], raw: Value) -> Example {
    let pointer: String = at.iter().map(|t| format!("/{}", escape(t))).collect();
    let tokens: Vec<&str> = at.iter().map(String::as_str).collect();
    // `examples.<name>` holds an Example Object; `example` the value itself.
    let (location, value) = match tokens.as_slice() {
        [rest @ .., "examples", _] => (
            rest.to_vec(),
            example_object_value(doc, &raw).unwrap_or_else(|| {
                panic!("{spec}: the Example Object at {pointer} has no inline value (or a dangling $ref)")
            }),
        ),
        [rest @ .., "example"] => (rest.to_vec(), raw),
        _ => unreachable!(),
    };
    let operation_of = |path: &str, method: &str| {
        let id = doc["paths"][path][method]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{spec}: {method} {path} has no operationId"));
        operation(spec, id)
    };
    let (schema, property) = match location.as_slice() {
        ["paths", path, method, "requestBody", "content", _media] => {
            let op = operation_of(path, method);
            let schema = op
                .request
                .unwrap_or_else(|| panic!("{spec} {}: a body example, no body", op.id));
            (schema.to_string(), None)
        }
        ["paths", path, method, "responses", code, "content", _media] => {
            let op = operation_of(path, method);
            let schema = op
                .responses
                .iter()
                .find(|(c, _)| c == code)
                .unwrap_or_else(|| panic!("{spec} {}: no response {code} in the table", op.id))
                .1;
            (schema.to_string(), None)
        }
        ["components", "schemas", name] => (name.to_string(), None),
        ["components", "schemas", name, "properties", property] => (name.to_string(), Some(property.to_string())),
        _ => panic!("openapi/{spec}.json: an example at {pointer} is in a place this test does not check yet"),
    };
    Example {
        spec,
        pointer,
        schema,
        property,
        value,
    }
}

fn all_examples() -> Vec<Example> {
    let mut examples = Vec::new();
    for name in SPECS {
        let doc = spec(name);
        // Shared Example Objects are checked where they are used.
        let mut walked = doc.clone();
        if let Some(components) = walked.get_mut("components").and_then(Value::as_object_mut) {
            components.remove("examples");
        }
        examples.extend(
            find_examples(&walked)
                .into_iter()
                .map(|(at, value)| classify(name, &doc, &at, value)),
        );
    }
    examples
}

#[test]
fn every_example_in_the_effective_specs_reads() {
    let examples = all_examples();
    // The walk finds what a plain text search finds: nothing is skipped.
    let in_text: usize = SPECS
        .iter()
        .map(|name| {
            read_repo_file(&format!("openapi/{name}.json"))
                .matches("\"example\":")
                .count()
        })
        .sum();
    let plain: usize = examples.iter().filter(|e| e.pointer.ends_with("/example")).count();
    assert_eq!(plain, in_text, "{examples:#?}");
    assert!(
        !examples.is_empty(),
        "the effective specs have examples; none was found"
    );

    let mut failures = Vec::new();
    for example in &examples {
        let read = reader(example.spec, &example.schema)
            .unwrap_or_else(|| panic!("{example:?}: no generated type for schema {}", example.schema));
        let input = match &example.property {
            Some(property) => Value::Object(Map::from_iter([(property.clone(), example.value.clone())])),
            None => example.value.clone(),
        };
        match read(&input) {
            Ok(written) if written == input => {}
            Ok(written) => failures.push(format!(
                "openapi/{}.json {}: read as {}, but written back as {written}, not {input}",
                example.spec, example.pointer, example.schema
            )),
            Err(e) => failures.push(format!(
                "openapi/{}.json {}: does not read as {}: {e}",
                example.spec, example.pointer, example.schema
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn spec_examples_are_read_by_the_type_of_their_operation() {
    // A concrete check that the mapping above reads the examples as what they
    // are, not just as something that accepts anything.
    let examples = all_examples();
    let find = |spec: &str, suffix: &str| {
        examples
            .iter()
            .find(|e| e.spec == spec && e.pointer.ends_with(suffix))
            .unwrap_or_else(|| panic!("no {suffix} example in {spec}"))
    };
    let report = find("smarthive-callbacks", "/requestBody/content/application~1json/example");
    assert_eq!(report.schema, "SmartHiveStatusCallback");
    let report: smarthive::SmartHiveStatusCallback = serde_json::from_value(report.value.clone()).unwrap();
    assert_eq!(report.msg_id.as_deref(), Some("jyd823-23n"));
    assert!(report.extra.is_empty());

    let sent = find("clearline-sms-api", "/responses/200/content/application~1json/example");
    assert_eq!(sent.schema, "SendSmsResponse");
    let sent: clearline_sms::SendSmsResponse = serde_json::from_value(sent.value.clone()).unwrap();
    assert_eq!(sent.succeed, Some(true));
    assert!(sent.extra.is_empty());

    let status = find("clearline-callbacks", "/requestBody/content/application~1json/example");
    assert_eq!(status.schema, "DeliveryStatusCallback");
    let status: clearline_callbacks::DeliveryStatusCallback = serde_json::from_value(status.value.clone()).unwrap();
    assert_eq!(status.delivery_status.as_deref(), Some("string"));
    assert!(status.extra.is_empty());

    // A type that would take the example only into `extra` is not a fit.
    let request = find("clearline-sms-api", "/requestBody/content/application~1json/example");
    assert_eq!(request.schema, "SendSmsRequest");
    assert!(serde_json::from_value::<clearline_sms::SendSmsRequest>(json!({"message": "no phone"})).is_err());
}
