//! Requests checked against the providers' effective specs with an
//! independent JSON-Schema validator (`jsonschema`), not with the generated
//! types: a client and a server built from the same types would agree with
//! each other even where both disagree with the document.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4; the differences
//! that matter are translated first: `nullable: true` becomes a `null`
//! alternative, and `format: int32`/`int64` become the ranges they mean.
//! `#/components/...` references resolve inside one document that carries
//! the spec's translated `components`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// The validators of one spec's operations, by operation id.
pub struct SpecValidator {
    bodies: HashMap<String, jsonschema::Validator>,
    queries: HashMap<String, QueryValidator>,
}

struct QueryValidator {
    validator: jsonschema::Validator,
    /// Parameter name -> its JSON type, to read `?n=5` as a number when the spec says so.
    types: HashMap<String, String>,
}

/// What is wrong with a request, one line per violation (`/path: message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(pub Vec<String>);

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

impl SpecValidator {
    /// Compiles the JSON request body and query parameters of every
    /// operation of `spec` (an OpenAPI 3.0 document).
    ///
    /// # Panics
    /// If a schema of the spec does not compile: the specs are committed and
    /// embedded, so a test catches it.
    pub fn new(spec: &Value) -> SpecValidator {
        let components = json!({ "schemas": to_json_schema(&spec["components"]["schemas"]) });
        let mut bodies = HashMap::new();
        let mut queries = HashMap::new();
        let operations = spec["paths"].as_object().into_iter().flat_map(|paths| paths.values());
        for operation in operations.flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values())) {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            if !body.is_null() {
                let document = json!({ "allOf": [to_json_schema(body)], "components": components });
                bodies.insert(id.to_string(), compile(id, &document));
            }
            let parameters: Vec<&Value> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .collect();
            if !parameters.is_empty() {
                queries.insert(id.to_string(), query_validator(id, &parameters, &components));
            }
        }
        SpecValidator { bodies, queries }
    }

    /// Checks a JSON body against the operation's request body schema.
    pub fn body(&self, operation_id: &str, body: &Value) -> Result<(), Violations> {
        let validator = self.bodies.get(operation_id).expect("an operation of the spec");
        check(validator, body)
    }

    /// Checks a raw query string against the operation's query parameters.
    pub fn query(&self, operation_id: &str, raw: &str) -> Result<(), Violations> {
        let query = self.queries.get(operation_id).expect("an operation of the spec");
        let mut object = Map::new();
        let mut repeated = Vec::new();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            let value = match query.types.get(name.as_ref()).map(String::as_str) {
                Some("integer" | "number" | "boolean") => {
                    serde_json::from_str(&value).unwrap_or(Value::String(value.to_string()))
                }
                _ => Value::String(value.to_string()),
            };
            if object.insert(name.to_string(), value).is_some() {
                repeated.push(format!("/{name}: given more than once, expected once"));
            }
        }
        let mut violations = check(&query.validator, &Value::Object(object))
            .err()
            .map_or(Vec::new(), |v| v.0);
        violations.extend(repeated);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Violations(violations))
        }
    }
}

fn query_validator(id: &str, parameters: &[&Value], components: &Value) -> QueryValidator {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut types = HashMap::new();
    for parameter in parameters {
        let name = parameter["name"].as_str().expect("a parameter has a name");
        properties.insert(name.to_string(), to_json_schema(&parameter["schema"]));
        if parameter["required"] == true {
            required.push(json!(name));
        }
        if let Some(kind) = parameter["schema"]["type"].as_str() {
            types.insert(name.to_string(), kind.to_string());
        }
    }
    let document = json!({
        "type": "object", "properties": properties, "required": required, "components": components,
    });
    QueryValidator {
        validator: compile(id, &document),
        types,
    }
}

fn compile(id: &str, document: &Value) -> jsonschema::Validator {
    jsonschema::draft4::options()
        .build(document)
        .unwrap_or_else(|e| panic!("the schema of {id} does not compile: {e}"))
}

fn check(validator: &jsonschema::Validator, instance: &Value) -> Result<(), Violations> {
    let violations: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| {
            let path = error.instance_path().to_string();
            let path = if path.is_empty() { "/".to_string() } else { path };
            format!("{path}: {error}")
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Violations(violations))
    }
}

/// An OpenAPI 3.0 schema (or a map of them) as a JSON Schema draft 4 one.
fn to_json_schema(node: &Value) -> Value {
    match node {
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        Value::Object(map) => {
            let mut schema: Map<String, Value> = map.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect();
            if let Some((minimum, maximum)) = integer_range(&schema) {
                schema.entry("minimum").or_insert(json!(minimum));
                schema.entry("maximum").or_insert(json!(maximum));
            }
            match schema.remove("nullable") {
                Some(Value::Bool(true)) => allow_null(schema),
                Some(other) => {
                    // A property that happens to be called `nullable`.
                    schema.insert("nullable".into(), other);
                    Value::Object(schema)
                }
                None => Value::Object(schema),
            }
        }
        other => other.clone(),
    }
}

fn integer_range(schema: &Map<String, Value>) -> Option<(i64, i64)> {
    if schema.get("type")? != "integer" {
        return None;
    }
    match schema.get("format")?.as_str()? {
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "int64" => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

fn allow_null(mut schema: Map<String, Value>) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema.insert("type".into(), json!([kind, "null"]));
            if let Some(Value::Array(values)) = schema.get_mut("enum") {
                values.push(Value::Null);
            }
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [schema, { "type": "null" }] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Value {
        json!({
            "paths": {"/x": {"post": {
                "operationId": "op",
                "parameters": [
                    {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "n", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                ],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
            }}},
            "components": {"schemas": {
                "Req": {"type": "object", "required": ["a"], "properties": {
                    "a": {"type": "string", "nullable": true},
                    "b": {"$ref": "#/components/schemas/Inner"},
                    "n": {"type": "integer", "format": "int32"},
                }},
                "Inner": {"type": "object", "nullable": true, "properties": {"c": {"type": "boolean"}}},
            }},
        })
    }

    #[test]
    fn bodies_follow_refs_nullable_and_formats() {
        let validator = SpecValidator::new(&spec());
        assert_eq!(validator.body("op", &json!({"a": "x", "b": {"c": true}})), Ok(()));
        assert_eq!(validator.body("op", &json!({"a": null, "b": null})), Ok(()));
        let wrong = validator
            .body("op", &json!({"b": {"c": "yes"}, "n": 3_000_000_000_i64}))
            .unwrap_err();
        assert_eq!(wrong.0.len(), 3, "{wrong}");
        assert!(wrong.to_string().contains("\"a\" is a required property"), "{wrong}");
        assert!(wrong.to_string().contains("/b/c: "), "{wrong}");
        assert!(wrong.to_string().contains("/n: "), "{wrong}");
    }

    #[test]
    fn queries_are_typed_by_their_parameters() {
        let validator = SpecValidator::new(&spec());
        assert_eq!(validator.query("op", "to=%2B2782&n=5"), Ok(()));
        let wrong = validator.query("op", "n=five&n=6").unwrap_err();
        assert!(wrong.to_string().contains("\"to\" is a required property"), "{wrong}");
        assert!(wrong.to_string().contains("/n: given more than once"), "{wrong}");
    }
}
