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

/// A dedup key from the fields that identify one event (DESIGN.md section 4).
/// A separator no provider value contains keeps `("a", "bc")` and
/// `("ab", "c")` apart; absent fields stay distinct from empty ones.
pub(crate) fn dedup_key(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .map(|part| part.map_or_else(|| "\u{0}".to_string(), str::to_string))
        .collect::<Vec<_>>()
        .join("\u{1f}")
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
    }
}
