//! One call, captured: an operation called through its generated client
//! against a capture server answering the spec's success status, the
//! request checked against the spec, the typed answer returned.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Sent;
use crate::spec_operation::{Payload, SpecOperation};
use crate::support::capture_server::{CaptureServer, CapturedRequest};

/// Calls operation `operation_id` of `api` through `send` (which builds its
/// client on the base URL it is given) against a capture server answering
/// the spec's success status with `reply`; checks the request against the
/// spec and returns the typed response and the raw request.
pub async fn exchange<T, Fut>(
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
pub fn typed<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{value} is not a {}: {e}", std::any::type_name::<T>()))
}

pub fn strings(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}
