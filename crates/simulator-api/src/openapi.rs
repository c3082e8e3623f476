//! The simulator's OpenAPI document, generated from [`SimulatorApi`](crate::SimulatorApi).
//! `cargo xtask regen` commits it and checks that it is up to date.

use serde_json::Value;

use crate::simulator_api_mod;

/// The whole simulator (provider routes and control), as dropshot describes it.
pub fn simulator_openapi() -> Value {
    let description = simulator_api_mod::stub_api_description().expect("the SimulatorApi trait is valid");
    let mut openapi = description.openapi("smsgate provider simulator", semver::Version::new(1, 0, 0));
    openapi.description(
        "A stand-in for Clickatell's and ClearLine's send APIs (their paths and operation ids), \
         which then plays status callbacks to smsgate's receiver; and its control endpoint.",
    );
    openapi.json().expect("dropshot documents serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_routes_keep_the_vendors_operation_ids_and_types() {
        let document = simulator_openapi();
        let operation = |path: &str, method: &str| document["paths"][path][method].clone();
        assert_eq!(operation("/messages", "post")["operationId"], "sendMessageREST_1");
        assert_eq!(
            operation("/messages/rest/bulk", "post")["operationId"],
            "sendBulkMessageREST"
        );
        assert_eq!(
            operation("/messages/http/send", "get")["operationId"],
            "sendMessageHTTP"
        );
        assert_eq!(operation("/MessageSender/sms", "post")["operationId"], "sendSms");
        assert_eq!(
            operation("/messages", "post")["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/SendMessageRequest"
        );
        let http_send = operation("/messages/http/send", "get");
        let mut names: Vec<&str> = http_send["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["apiKey", "clientMessageId", "content", "from", "to"]);
        assert!(document["components"]["schemas"].get("InboundRequest").is_some());
    }
}
