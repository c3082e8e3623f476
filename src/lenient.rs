//! Reading provider payloads as providers really send them.
//!
//! The generated types say what the documents say: `str_length` is a string,
//! `statusCode` an integer. Providers are less exact: SmartHive's own example
//! ends with a trailing comma, numbers arrive as strings and strings as
//! numbers. Rather than loosen every generated type (and every user's code
//! with it), [`from_slice`] repairs the input first, guided by the target
//! type's own JSON schema (every generated type derives `JsonSchema`):
//!
//! 1. trailing commas before `}` or `]` are dropped (outside strings);
//! 2. a value is coerced where the schema wants the other scalar type: a
//!    numeric string where an integer or number is expected, a number or
//!    boolean where a string is expected, `"true"`/`"false"` for a boolean;
//! 3. the repaired value is deserialised strictly, and an error names the
//!    JSON path that did not fit.
//!
//! Unknown fields are never a problem here: the generated received types
//! keep them in their `extra` map.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use schemars::JsonSchema;
use schemars::schema::{InstanceType, RootSchema, Schema, SchemaObject, SingleOrVec};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a payload could not be read, even leniently.
#[derive(Debug, thiserror::Error)]
pub enum LenientError {
    #[error("not JSON, even allowing trailing commas: {0}")]
    Syntax(serde_json::Error),
    #[error("does not fit {type_name} at {path}: {message}")]
    Shape {
        type_name: String,
        path: String,
        message: String,
    },
}

/// Reads `bytes` as a `T`, repairing trailing commas and scalar types first.
pub fn from_slice<T: DeserializeOwned + JsonSchema>(bytes: &[u8]) -> Result<T, LenientError> {
    from_value(parse(bytes)?)
}

/// Parses JSON that may have trailing commas (and a UTF-8 byte order mark).
pub fn parse(bytes: &[u8]) -> Result<Value, LenientError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Most payloads are strict JSON: read at once, without the scan for
    // trailing commas (a syntax error either way is reported as found
    // after removing them).
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    serde_json::from_slice(&strip_trailing_commas(bytes)).map_err(LenientError::Syntax)
}

/// Converts `value` into a `T`, coercing scalars the way `T`'s schema wants.
pub fn from_value<T: DeserializeOwned + JsonSchema>(value: Value) -> Result<T, LenientError> {
    serde_path_to_error::deserialize(coerced_for::<T>(value)).map_err(|e| LenientError::Shape {
        type_name: T::schema_name(),
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

/// Like [`from_value`], but a field that still does not fit after coercion
/// is dropped (and named in the returned list) rather than failing the whole
/// value: a provider's one malformed field must not lose the event around
/// it. Fails only when the value does not fit even without such fields (for
/// example, it is not an object).
pub fn from_value_lossy<T: DeserializeOwned + JsonSchema>(value: Value) -> Result<(T, Vec<String>), LenientError> {
    const MAX_DROPPED: usize = 32;
    let mut value = coerced_for::<T>(value);
    let mut dropped = Vec::new();
    loop {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(read) => return Ok((read, dropped)),
            Err(error) => {
                let path = error.path().to_string();
                let removable = dropped.len() < MAX_DROPPED && remove_at(&mut value, error.path());
                if !removable {
                    return Err(LenientError::Shape {
                        type_name: T::schema_name(),
                        path,
                        message: error.into_inner().to_string(),
                    });
                }
                dropped.push(format!("{path}: {}", error.into_inner()));
            }
        }
    }
}

/// `value` with its scalars coerced to what `T`'s schema wants.
fn coerced_for<T: JsonSchema>(mut value: Value) -> Value {
    let schema = schema_of::<T>();
    coerce(&mut value, &schema.top, &schema.root, 0);
    value
}

/// A type's JSON schema, with its top level as a [`Schema`] to start from.
struct TypeSchema {
    top: Schema,
    root: RootSchema,
}

/// `T`'s schema, generated once per type (by its [`JsonSchema::schema_id`],
/// which the derive makes the type's full path): generating it costs several
/// times what reading a payload does, and it never changes.
fn schema_of<T: JsonSchema>() -> &'static TypeSchema {
    static SCHEMAS: OnceLock<RwLock<HashMap<Cow<'static, str>, &'static TypeSchema>>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(Default::default);
    let id = T::schema_id();
    if let Some(schema) = schemas.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
        return schema;
    }
    let root = schemars::r#gen::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut schemas = schemas.write().unwrap_or_else(|e| e.into_inner());
    // One leaked schema per type read leniently: a fixed, small set.
    let schema: &'static TypeSchema = schemas.entry(id).or_insert_with(|| {
        Box::leak(Box::new(TypeSchema {
            top: Schema::Object(root.schema.clone()),
            root,
        }))
    });
    schema
}

/// Removes the field or element at `path`; false when there is none.
fn remove_at(value: &mut Value, path: &serde_path_to_error::Path) -> bool {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut node = value;
    for segment in parents {
        node = match (segment, node) {
            (Segment::Map { key }, Value::Object(map)) => match map.get_mut(key) {
                Some(child) => child,
                None => return false,
            },
            (Segment::Seq { index }, Value::Array(items)) => match items.get_mut(*index) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node) {
        (Segment::Map { key }, Value::Object(map)) => map.shift_remove(key).is_some(),
        (Segment::Seq { index }, Value::Array(items)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

/// Drops each comma that follows a value and that only whitespace separates
/// from a closing `}` or `]`, outside string literals. Borrows when there is
/// nothing to drop.
fn strip_trailing_commas(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let (mut in_string, mut escaped) = (false, false);
    let mut previous = b' ';
    for (i, &byte) in input.iter().enumerate() {
        let mut keep = true;
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if byte == b',' && !matches!(previous, b'{' | b'[' | b',') {
            let next = input[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            keep = !matches!(next, Some(b'}' | b']'));
        }
        if !byte.is_ascii_whitespace() {
            previous = byte;
        }
        match (&mut out, keep) {
            (Some(out), true) => out.push(byte),
            (None, false) => out = Some(input[..i].to_vec()),
            _ => {}
        }
    }
    out.map_or(Cow::Borrowed(input), Cow::Owned)
}

/// Deep enough for any provider payload; stops a recursive schema looping.
const MAX_DEPTH: usize = 64;

fn coerce(value: &mut Value, schema: &Schema, root: &RootSchema, depth: usize) {
    let Schema::Object(schema) = schema else { return };
    if depth > MAX_DEPTH || value.is_null() {
        return;
    }
    if let Some(reference) = &schema.reference {
        let name = reference.rsplit('/').next().unwrap_or_default();
        if let Some(target) = root.definitions.get(name) {
            coerce(value, target, root, depth + 1);
        }
        return;
    }
    if let Some(sub) = &schema.subschemas {
        for all in sub.all_of.iter().flatten() {
            coerce(value, all, root, depth + 1);
        }
        // Option<T> of a referenced type is `anyOf: [T, null]`: use the first
        // variant that is not just null.
        let variants = sub.any_of.iter().chain(sub.one_of.iter()).flatten();
        if let Some(variant) = variants.into_iter().find(|v| !is_null_schema(v)) {
            coerce(value, variant, root, depth + 1);
        }
    }
    coerce_scalar(value, schema);
    match value {
        Value::Object(fields) => {
            let Some(object) = &schema.object else { return };
            for (name, field) in fields.iter_mut() {
                match object.properties.get(name) {
                    Some(property) => coerce(field, property, root, depth + 1),
                    None => {
                        if let Some(additional) = &object.additional_properties {
                            coerce(field, additional, root, depth + 1);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(SingleOrVec::Single(item)) = schema.array.as_ref().and_then(|a| a.items.as_ref()) {
                for element in items {
                    coerce(element, item, root, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn is_null_schema(schema: &Schema) -> bool {
    matches!(schema, Schema::Object(SchemaObject { instance_type: Some(SingleOrVec::Single(t)), .. }) if **t == InstanceType::Null)
}

fn coerce_scalar(value: &mut Value, schema: &SchemaObject) {
    let wants = |t: InstanceType| schema.instance_type.as_ref().is_some_and(|types| types.contains(&t));
    let replacement = match &*value {
        Value::String(text) if !wants(InstanceType::String) => {
            let text = text.trim();
            if wants(InstanceType::Integer) {
                text.parse::<i64>()
                    .ok()
                    .map(Value::from)
                    .or_else(|| text.parse::<u64>().ok().map(Value::from))
            } else if wants(InstanceType::Number) {
                text.parse::<f64>()
                    .ok()
                    .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            } else if wants(InstanceType::Boolean) {
                text.parse::<bool>().ok().map(Value::Bool)
            } else {
                None
            }
        }
        Value::Number(n)
            if wants(InstanceType::String) && !wants(InstanceType::Number) && !wants(InstanceType::Integer) =>
        {
            Some(Value::String(n.to_string()))
        }
        Value::Bool(b) if wants(InstanceType::String) && !wants(InstanceType::Boolean) => {
            Some(Value::String(b.to_string()))
        }
        _ => None,
    };
    if let Some(replacement) = replacement {
        *value = replacement;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod number {
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        pub struct Same {
            pub x: i64,
        }
    }
    mod text {
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        pub struct Same {
            pub x: String,
        }
    }

    #[test]
    fn types_of_one_name_keep_their_own_cached_schema() {
        for _ in 0..2 {
            let number: number::Same = from_value(serde_json::json!({"x": "5"})).unwrap();
            let text: text::Same = from_value(serde_json::json!({"x": 5})).unwrap();
            assert_eq!((number.x, text.x.as_str()), (5, "5"));
        }
    }

    #[test]
    fn drops_trailing_commas_outside_strings_only() {
        let input = br#"{"a": [1, 2, ], "b": "x,}", "c": {"d": 1,
        },}"#;
        let parsed = parse(input).unwrap();
        assert_eq!(parsed, serde_json::json!({"a": [1, 2], "b": "x,}", "c": {"d": 1}}));
        assert!(matches!(strip_trailing_commas(br#"{"a":1}"#), Cow::Borrowed(_)));
        assert!(matches!(parse(b"{,}"), Err(LenientError::Syntax(_))));
    }

    #[derive(Debug, PartialEq, serde::Deserialize, JsonSchema)]
    struct Sample {
        count: Option<i64>,
        label: Option<String>,
        flag: Option<bool>,
        nested: Option<Vec<Inner>>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, JsonSchema)]
    struct Inner {
        code: i32,
    }

    #[test]
    fn coerces_scalars_the_schema_wants() {
        let read: Sample =
            from_slice(br#"{"count": " 157 ", "label": 3.5, "flag": "true", "nested": [{"code": "7"},],}"#).unwrap();
        assert_eq!(
            read,
            Sample {
                count: Some(157),
                label: Some("3.5".into()),
                flag: Some(true),
                nested: Some(vec![Inner { code: 7 }])
            }
        );
    }

    #[test]
    fn lossy_reading_drops_only_the_field_that_does_not_fit() {
        let value = serde_json::json!({"count": "many", "label": "kept", "nested": [{"code": 1}, {"code": "x"}]});
        let (read, dropped) = from_value_lossy::<Sample>(value).unwrap();
        assert_eq!(read.count, None);
        assert_eq!(read.label.as_deref(), Some("kept"));
        assert_eq!(read.nested, Some(vec![Inner { code: 1 }]));
        // The bad `code` goes first; the element, now missing its required
        // field, goes next.
        assert_eq!(dropped.len(), 3, "{dropped:?}");
        assert!(
            dropped[0].starts_with("count: invalid type: string \"many\""),
            "{dropped:?}"
        );
        assert_eq!(dropped[2], "nested[1]: missing field `code`");
        assert!(from_value_lossy::<Sample>(serde_json::json!([1])).is_err());
    }

    #[test]
    fn names_the_path_that_does_not_fit() {
        let err = from_slice::<Sample>(br#"{"nested": [{"code": "seven"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("does not fit Sample at nested[0].code: invalid type: string \"seven\""),
            "{err}"
        );
    }
}
