//! The OpenAPI documents generated from [`ReceiverApi`](crate::ReceiverApi).
//! `cargo xtask regen` commits them (its registry of generated documents
//! says where) and checks that what is committed is what they generate.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{receiver_api_mod, tags};

/// The whole receiver (callbacks, health, query API), as dropshot describes it.
pub fn receiver_openapi() -> Value {
    let description = receiver_api_mod::stub_api_description().expect("the ReceiverApi trait is valid");
    let mut openapi = description.openapi("smsgate receiver", semver::Version::new(1, 0, 0));
    openapi.description("Provider callbacks and the query API of smsgate's receiver.");
    let mut document = openapi.json().expect("dropshot documents serialise");
    optional_callback_bodies(&mut document);
    document
}

/// dropshot marks every request body required, but a callback with an empty
/// body is acknowledged (and quarantined), as the providers' specs allow:
/// the document says what the server does.
fn optional_callback_bodies(document: &mut Value) {
    for item in document["paths"].as_object_mut().expect("paths").values_mut() {
        for operation in item.as_object_mut().into_iter().flat_map(|ops| ops.values_mut()) {
            let is_callback = operation["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t == tags::CALLBACKS));
            if let (true, Some(body)) = (is_callback, operation.get_mut("requestBody")) {
                body["required"] = json!(false);
            }
        }
    }
}

/// `openapi/smsgate-api.json`: the query API (and health) alone, with its
/// bearer token declared so that the generated client (`smsgate::api`) sends
/// it.
pub fn query_api_openapi() -> Value {
    let mut document = receiver_openapi();
    let keep = [tags::QUERY, tags::OUTBOUND, tags::EXPORTS, tags::HEALTH];
    let paths = document["paths"].as_object_mut().expect("paths");
    paths.retain(|_, item| {
        item.as_object().into_iter().flatten().any(|(_, op)| {
            op["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| keep.contains(&t.as_str().unwrap_or_default()))
        })
    });
    for (path, item) in paths.iter_mut() {
        if path.starts_with("/v1/") {
            for (_, op) in item.as_object_mut().into_iter().flatten() {
                op["security"] = json!([{ "bearerToken": [] }]);
            }
        }
    }
    if let Some(declared) = document["tags"].as_array_mut() {
        declared.retain(|tag| keep.contains(&tag["name"].as_str().unwrap_or_default()));
    }
    document["info"]["title"] = json!("smsgate query API");
    document["info"]["description"] = json!(
        "The events smsgate received from SMS providers, for the services that consume them. \
         Every /v1 operation needs the API token as `Authorization: Bearer TOKEN`."
    );
    prune_unused_schemas(&mut document);
    document["components"]["securitySchemes"] = json!({
        "bearerToken": {"type": "http", "scheme": "bearer", "description": "SMSGATE_API_TOKEN"}
    });
    document
}

/// Removes component schemas that nothing left in the document refers to.
fn prune_unused_schemas(document: &mut Value) {
    let mut used = BTreeSet::new();
    let mut pending: Vec<Value> = vec![document["paths"].clone(), document["components"]["responses"].clone()];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && let Some(name) = reference.strip_prefix("#/components/schemas/")
                    && used.insert(name.to_string())
                {
                    pending.push(document["components"]["schemas"][name].clone());
                }
                pending.extend(map.into_iter().map(|(_, v)| v));
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        schemas.retain(|name, _| used.contains(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_document_holds_the_query_api_only() {
        let document = query_api_openapi();
        let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
        assert_eq!(
            paths,
            [
                "/healthz",
                "/metrics",
                "/readyz",
                "/v1/events",
                "/v1/exports",
                "/v1/exports/{name}/dead-letters",
                "/v1/exports/{name}/replay",
                "/v1/inbound",
                "/v1/messages",
                "/v1/messages/{provider}/{message_id}",
                "/v1/opt-outs",
                "/v1/opt-outs/{number}",
                "/v1/outbound",
                "/v1/outbound/{id}",
                "/v1/providers",
                "/v1/quarantine",
                "/v1/stats/delivery"
            ]
        );
        for path in ["/v1/events", "/v1/messages", "/v1/stats/delivery"] {
            assert_eq!(
                document["paths"][path]["get"]["security"],
                json!([{"bearerToken": []}]),
                "{path}"
            );
        }
        assert!(document["components"]["schemas"].get("SmsStatusCallback").is_none());
        let tags: Vec<&str> = document["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tag| tag["name"].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["exports", "health", "outbound", "query"]);
        assert!(document["components"]["schemas"].get("MessageView").is_some());
    }

    #[test]
    fn callback_routes_keep_the_providers_operation_ids() {
        let document = receiver_openapi();
        let id = |path: &str, method: &str| {
            document["paths"][path][method]["operationId"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(id("/client-callback/sms-status", "get"), "sendGetSmsStatusCallback");
        assert_eq!(id("/client-callback/sms-reply", "post"), "sendPostSmsReplyCallback");
        assert_eq!(
            id("/client-callback/one-api-status", "post"),
            "sendPostOmniStatusCallback"
        );
        assert_eq!(
            id("/client-callback/smarthive-status", "post"),
            "sendSmartHiveStatusCallback"
        );
        let body = &document["paths"]["/client-callback/one-api-reply"]["post"]["requestBody"];
        assert_eq!(
            body["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/OmniReplyCallbackRequest"
        );
    }
}
