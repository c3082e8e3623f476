//! Server <-> spec: the receiver's OpenAPI document, generated from its
//! dropshot trait, compared with each vendored callback spec by our diff
//! engine (`smsgate-spec-diff`), in both directions; no error-level
//! (breaking) difference either way.
//!
//! - vendored -> ours, judged for the provider as a client of our server
//!   (`Role::Provider`): nothing the provider relies on is gone or
//!   stricter in what we serve. `xtask`'s
//!   `our_receiver_accepts_what_each_provider_sends` runs this direction at
//!   regen time too.
//! - ours -> vendored, judged for us as the server (`Role::Callbacks`): if
//!   our document were the old spec and the provider's the new one, nothing
//!   the provider documents would break our server.
//!
//! Only the routes a vendored spec has are compared (our document also has
//! the other providers' routes and the query API); every route of the
//! vendored spec must be served.

use serde_json::Value;
use smsgate_contract_tests::specs;
use smsgate_spec_diff::{Level, Role, diff};

const CALLBACK_SPECS: [&str; 4] = [
    "clickatell-sms-callbacks",
    "clickatell-one-api-callbacks",
    "smarthive-callbacks",
    "clearline-callbacks",
];

/// Our document restricted to the paths of `vendored`, each of which it must serve.
fn ours_for(api: &str, vendored: &Value) -> Value {
    let mut ours = smsgate_receiver_api::receiver_openapi();
    let theirs = vendored["paths"].as_object().expect("the spec has paths");
    let paths = ours["paths"].as_object_mut().expect("our document has paths");
    paths.retain(|path, _| theirs.contains_key(path));
    for path in theirs.keys() {
        assert!(paths.contains_key(path), "{api}: {path} is not served by the receiver");
    }
    ours
}

/// The error-level changes from `old` to `new` judged for `role`.
fn breaking(old: &Value, new: &Value, role: Role) -> Vec<String> {
    diff(old, new, role)
        .expect("both documents are OpenAPI 3.0")
        .into_iter()
        .filter(|change| change.level == Level::Error)
        .map(|change| change.to_string())
        .collect()
}

#[test]
fn no_breaking_difference_either_way() {
    for api in CALLBACK_SPECS {
        let vendored = specs::load(api);
        let ours = ours_for(api, &vendored);
        let provider_side = breaking(&vendored, &ours, Role::Provider);
        assert!(
            provider_side.is_empty(),
            "{api}: our receiver breaks the provider:\n{}",
            provider_side.join("\n")
        );
        let server_side = breaking(&ours, &vendored, Role::Callbacks);
        assert!(
            server_side.is_empty(),
            "{api}: the provider's spec breaks our receiver:\n{}",
            server_side.join("\n")
        );
    }
}

/// The comparison can fail: a vendored spec whose query parameter changed
/// type (the provider now sends `statusCode` as an object) is breaking both
/// ways.
#[test]
fn a_drifted_spec_is_caught() {
    let api = "clickatell-sms-callbacks";
    let mut vendored = specs::load(api);
    let ours = ours_for(api, &vendored);
    let parameters = vendored["paths"]["/client-callback/sms-status"]["get"]["parameters"]
        .as_array_mut()
        .expect("the GET status callback has parameters");
    let status_code = parameters
        .iter_mut()
        .find(|parameter| parameter["name"] == "statusCode")
        .expect("the GET status callback has statusCode");
    status_code["schema"] = serde_json::json!({"type": "object"});
    for (label, changes) in [
        ("provider side", breaking(&vendored, &ours, Role::Provider)),
        ("server side", breaking(&ours, &vendored, Role::Callbacks)),
    ] {
        assert!(
            changes.iter().any(|change| change.contains("statusCode")),
            "{label}: a changed parameter type is breaking: {changes:?}"
        );
    }
}
