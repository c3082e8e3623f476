//! Reading raw values as the provider sent them, and building dedup keys.

use serde_json::Value;

/// A field of the original JSON object as a string, whatever scalar type it
/// was sent as (`"004"` stays `"004"`, `4` becomes `"4"`); `None` when absent
/// or null.
pub(crate) fn raw(object: &Value, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// A dedup key from the fields that identify one event (message id, raw
/// status and code, provider time; every status field where the provider
/// sends no time): the fields as a JSON array, so that no value, whatever
/// characters it holds, can shift into its neighbour, and an absent field
/// (`null`) stays distinct from an empty one.
pub(crate) fn dedup_key(parts: &[Option<&str>]) -> String {
    serde_json::to_string(parts).expect("strings serialise")
}

/// A Clickatell `timestamp` sent as ISO 8601 where the spec says integer
/// milliseconds, rewritten as milliseconds so that the typed reading keeps it.
pub(crate) fn iso_timestamp_as_millis(document: &Value) -> Value {
    let mut document = document.clone();
    if let Some(Value::String(text)) = document.get("timestamp")
        && text.trim().parse::<i64>().is_err()
        && let Some(ms) = crate::time::millis_or_iso8601(text)
    {
        document["timestamp"] = Value::from(ms);
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_keep_their_text() {
        let object = serde_json::json!({"a": "004", "b": 4, "c": null, "d": true});
        assert_eq!(raw(&object, "a").as_deref(), Some("004"));
        assert_eq!(raw(&object, "b").as_deref(), Some("4"));
        assert_eq!(raw(&object, "c"), None);
        assert_eq!(raw(&object, "d").as_deref(), Some("true"));
        assert_eq!(raw(&object, "e"), None);
    }

    #[test]
    fn dedup_keys_tell_fields_apart() {
        assert_ne!(dedup_key(&[Some("a"), Some("bc")]), dedup_key(&[Some("ab"), Some("c")]));
        assert_ne!(dedup_key(&[Some("a"), None]), dedup_key(&[Some("a"), Some("")]));
        assert_eq!(dedup_key(&[Some("a"), None]), dedup_key(&[Some("a"), None]));
        assert_ne!(
            dedup_key(&[Some("m\u{1f}x"), Some("y")]),
            dedup_key(&[Some("m"), Some("x\u{1f}y")])
        );
    }
}
