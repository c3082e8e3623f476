//! A JSON Schema (OpenAPI 3.0 flavour) -> proptest [`Strategy`] of JSON
//! values that the schema accepts, for the schemas of our callback specs.
//!
//! Covered: `$ref` into the document's components, `enum`, `oneOf` /
//! `anyOf` (one branch), `allOf` (properties and `required` merged),
//! `nullable`, objects (every required property, each optional one or
//! not, and sometimes one property the schema does not name when
//! `additionalProperties` allows it), arrays (`minItems` / `maxItems`),
//! strings (`minLength` / `maxLength`, any printable Unicode), integers
//! (`format` int32 / int64, `minimum` / `maximum`), numbers and booleans.
//! Depth is bounded: past [`MAX_DEPTH`] nested schemas, optional
//! properties are left out and arrays hold their minimum, so recursive
//! schemas end. A schema feature outside this list is an error naming it,
//! not a silently looser value.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use serde_json::{Map, Value};

/// Constraints the generator does not honour: a schema using one is refused
/// rather than given values that may break it.
const UNSUPPORTED: [&str; 8] = [
    "not",
    "multipleOf",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "patternProperties",
];

/// Nesting beyond which only what is required is generated.
pub const MAX_DEPTH: usize = 6;
/// The most items an array gets (unless `minItems` asks for more).
const MAX_ITEMS: usize = 3;
/// The longest string (unless `minLength` asks for more).
const MAX_STRING: usize = 24;

/// Which properties of an object are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Properties {
    /// The required ones, and each optional one or not.
    AsSpecified,
    /// Every property (down to [`MAX_DEPTH`]), as if all were required,
    /// and arrays of at least one item: what a provider filling in every
    /// field sends.
    All,
}

/// Values of `schema`, whose `$ref`s point into `document`.
pub fn values(document: &Value, schema: &Value, properties: Properties) -> BoxedStrategy<Value> {
    Generator { document, properties }.schema(schema, 0)
}

/// The properties of a JSON object, generated from one schema per name
/// (`true`: required). Used for an operation's query parameters, which form
/// an object without being one in the spec.
pub fn object_of(document: &Value, fields: &[(String, Value, bool)], properties: Properties) -> BoxedStrategy<Value> {
    Generator { document, properties }.properties(fields, 0)
}

struct Generator<'a> {
    document: &'a Value,
    properties: Properties,
}

impl Generator<'_> {
    fn schema(&self, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
        let schema = self.resolve(schema);
        let values = self.non_null(&schema, depth);
        if schema["nullable"] == true {
            prop_oneof![1 => Just(Value::Null), 4 => values].boxed()
        } else {
            values
        }
    }

    fn non_null(&self, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
        if let Some(keyword) = UNSUPPORTED
            .iter()
            .find(|k| schema.get(**k).is_some_and(|v| *v != false))
        {
            panic!("schema keyword {keyword:?} is not one the generator honours: {schema}");
        }
        if let Some(values) = schema["enum"].as_array() {
            return proptest::sample::select(values.clone()).boxed();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = schema[key].as_array() {
                return Union::new(branches.iter().map(|branch| self.schema(branch, depth + 1))).boxed();
            }
        }
        if schema.get("allOf").is_some() {
            return self.object(&self.merged(schema), depth);
        }
        match schema["type"].as_str() {
            Some("object") => self.object(schema, depth),
            None if schema.get("properties").is_some() => self.object(schema, depth),
            Some("array") => self.array(schema, depth),
            Some("string") => string(schema),
            Some("integer") => integer(schema),
            Some("number") => number(schema),
            Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
            None => any_scalar(),
            Some(other) => panic!("schema type {other:?} is not one the generator knows: {schema}"),
        }
    }

    /// `schema` with `$ref`s followed (a ref's siblings are ignored, as in OpenAPI 3.0).
    fn resolve(&self, schema: &Value) -> Value {
        let mut schema = schema;
        for _ in 0..32 {
            let Some(reference) = schema["$ref"].as_str() else {
                return schema.clone();
            };
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("only local references are supported, not {reference}"));
            schema = self
                .document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} points at nothing in the document"));
        }
        panic!("a chain of more than 32 references: {schema}")
    }

    /// The `allOf` branches (and the schema's own properties) as one object schema.
    fn merged(&self, schema: &Value) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let own = std::iter::once(schema.clone());
        let branches = schema["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| self.resolve(b));
        for part in own.chain(branches) {
            let part = if part.get("allOf").is_some() && part != *schema {
                self.merged(&part)
            } else {
                part
            };
            if let Some(props) = part["properties"].as_object() {
                properties.extend(props.clone());
            }
            required.extend(part["required"].as_array().into_iter().flatten().cloned());
        }
        serde_json::json!({"type": "object", "properties": properties, "required": required})
    }

    fn object(&self, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties: Vec<(String, Value, bool)> = schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, property)| (name.clone(), property.clone(), required.contains(&name.as_str())))
            .collect();
        let known = self.properties(&properties, depth);
        // `additionalProperties` is absent (allowed), `true` or a schema: a
        // provider may add a field, and we must take it.
        let open = schema.get("additionalProperties").is_none_or(|extra| *extra != false);
        if !open || depth >= MAX_DEPTH {
            return known;
        }
        let extra = proptest::option::of(("x_added_[a-z]{1,8}", string(&Value::Null)));
        (known, extra)
            .prop_map(|(mut object, extra)| {
                if let (Some((name, value)), Some(map)) = (extra, object.as_object_mut()) {
                    map.entry(name).or_insert(value);
                }
                object
            })
            .boxed()
    }

    fn properties(&self, properties: &[(String, Value, bool)], depth: usize) -> BoxedStrategy<Value> {
        let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
            .iter()
            .filter(|(_, _, required)| *required || depth < MAX_DEPTH)
            .map(|(name, schema, required)| {
                let required = *required || (self.properties == Properties::All && depth < MAX_DEPTH);
                let name = name.clone();
                let value = self.schema(schema, depth + 1).prop_map(move |v| (name.clone(), v));
                if required {
                    value.prop_map(Some).boxed()
                } else {
                    proptest::option::of(value).boxed()
                }
            })
            .collect();
        fields
            .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
            .boxed()
    }

    fn array(&self, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
        let min = bound(schema, "minItems").unwrap_or(0);
        let min = if self.properties == Properties::All && depth < MAX_DEPTH {
            min.max(1)
        } else {
            min
        };
        let max = if depth >= MAX_DEPTH {
            min
        } else {
            bound(schema, "maxItems")
                .unwrap_or(min.max(MAX_ITEMS))
                .min(min.max(MAX_ITEMS))
        };
        proptest::collection::vec(self.schema(&schema["items"], depth + 1), min..=max)
            .prop_map(Value::Array)
            .boxed()
    }
}

fn bound(schema: &Value, key: &str) -> Option<usize> {
    schema[key].as_u64().map(|n| n as usize)
}

fn string(schema: &Value) -> BoxedStrategy<Value> {
    if let Some(pattern) = schema["pattern"].as_str() {
        return proptest::string::string_regex(pattern)
            .unwrap_or_else(|e| panic!("pattern {pattern:?} is not a regex proptest can generate from: {e}"))
            .prop_map(Value::String)
            .boxed();
    }
    if let Some(format) = schema["format"].as_str() {
        panic!("string format {format:?} is not one the generator knows");
    }
    let min = bound(schema, "minLength").unwrap_or(0);
    let max = bound(schema, "maxLength").unwrap_or(min.max(MAX_STRING));
    proptest::string::string_regex(&format!("\\PC{{{min},{max}}}"))
        .expect("a valid length-bounded regex")
        .prop_map(Value::String)
        .boxed()
}

fn integer(schema: &Value) -> BoxedStrategy<Value> {
    let (low, high) = match schema["format"].as_str() {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") | None => (i64::MIN, i64::MAX),
        Some(other) => panic!("integer format {other:?} is not one the generator knows"),
    };
    let low = schema["minimum"].as_i64().unwrap_or(low);
    let high = schema["maximum"].as_i64().unwrap_or(high);
    (low..=high).prop_map(Value::from).boxed()
}

fn number(schema: &Value) -> BoxedStrategy<Value> {
    let low = schema["minimum"].as_f64().unwrap_or(-1e12);
    let high = schema["maximum"].as_f64().unwrap_or(1e12);
    (low..=high).prop_map(Value::from).boxed()
}

/// A value for a schema that says nothing about its type.
fn any_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        string(&Value::Null),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use serde_json::json;

    use super::*;

    fn document() -> Value {
        json!({"components": {"schemas": {
            "Status": {"type": "string", "enum": ["sent", "delivered"]},
            "Event": {
                "type": "object",
                "required": ["id", "code"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": "string", "minLength": 2, "maxLength": 4},
                    "code": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 9},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "note": {"type": "string", "nullable": true},
                    "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "boolean"}},
                    "either": {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}]}
                }
            }
        }}})
    }

    fn samples(properties: Properties) -> Vec<Value> {
        let document = document();
        let strategy = values(&document, &json!({"$ref": "#/components/schemas/Event"}), properties);
        let mut runner = TestRunner::deterministic();
        (0..200)
            .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
            .collect()
    }

    #[test]
    fn generated_values_satisfy_their_schema() {
        for event in samples(Properties::AsSpecified) {
            let object = event.as_object().expect("an object");
            let id = object["id"].as_str().expect("id is a required string");
            assert!((2..=4).contains(&id.chars().count()), "{event}");
            assert!(
                (1..=9).contains(&object["code"].as_i64().expect("code is an integer")),
                "{event}"
            );
            let known = ["id", "code", "status", "note", "tags", "either"];
            assert!(
                object.keys().all(|k| known.contains(&k.as_str())),
                "closed object: {event}"
            );
            if let Some(status) = object.get("status") {
                assert!(status == "sent" || status == "delivered", "{event}");
            }
            if let Some(note) = object.get("note") {
                assert!(note.is_null() || note.is_string(), "{event}");
            }
            if let Some(tags) = object.get("tags") {
                let tags = tags.as_array().expect("an array");
                assert!(
                    (1..=2).contains(&tags.len()) && tags.iter().all(Value::is_boolean),
                    "{event}"
                );
            }
            if let Some(either) = object.get("either") {
                assert!(either.is_i64() || either == "x", "{event}");
            }
        }
    }

    #[test]
    fn optional_properties_come_and_go_unless_all_are_asked_for() {
        let some = samples(Properties::AsSpecified);
        assert!(some.iter().any(|e| e.get("status").is_some()));
        assert!(some.iter().any(|e| e.get("status").is_none()));
        let all = samples(Properties::All);
        assert!(all.iter().all(|e| e.as_object().unwrap().len() == 6), "{all:?}");
    }

    #[test]
    fn open_objects_sometimes_get_a_property_the_schema_does_not_name() {
        let document = json!({});
        let schema = json!({"type": "object", "properties": {"a": {"type": "boolean"}}});
        let strategy = values(&document, &schema, Properties::AsSpecified);
        let mut runner = TestRunner::deterministic();
        let added = (0..100)
            .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
            .any(|value| value.as_object().unwrap().keys().any(|k| k.starts_with("x_added_")));
        assert!(added);
    }

    #[test]
    #[should_panic(expected = "\"multipleOf\" is not one the generator honours")]
    fn an_unsupported_constraint_is_refused() {
        let _refused = values(
            &json!({}),
            &json!({"type": "integer", "multipleOf": 5}),
            Properties::All,
        );
    }
}
