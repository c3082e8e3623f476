//! What an operation's spec says it sends, read from `openapi/<api>.json`
//! by operationId: method and path, where the API key goes (the first apiKey
//! scheme), the success status, the query parameters and whether it has a
//! JSON body; what a call was given beyond that (`Payload`); and the checks
//! of a captured request against both.

use serde_json::Value;

use crate::KEY;
use crate::support::capture_server::CapturedRequest;

/// Where a security scheme puts the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Header(String),
    Query(String),
}

/// What a call was given beyond what the spec fixes.
pub enum Payload {
    /// A JSON body, as it must appear on the wire.
    Json(Value),
    /// Query parameters (besides the key), as they must decode.
    Query(Vec<(&'static str, String)>),
}

/// One operation of `openapi/<api>.json`, found by its operationId.
#[derive(Debug)]
pub struct SpecOperation {
    pub label: String,
    pub method: String,
    pub path: String,
    /// The first apiKey scheme among the operation's security alternatives.
    pub placement: Placement,
    /// The one documented 2xx status.
    pub success: u16,
    query_parameters: Vec<String>,
    json_body: bool,
}

impl SpecOperation {
    pub fn load(api: &str, operation_id: &str) -> SpecOperation {
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
    pub fn assert_sent(&self, request: &CapturedRequest, payload: &Payload) {
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
    pub fn assert_key_only_where_placed(&self, request: &CapturedRequest) {
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
