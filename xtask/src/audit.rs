//! The rules for schemas we *receive*, checked on every
//! effective spec so that a new upstream cannot quietly reintroduce a trap.
//!
//! What we receive depends on our role: a callbacks-role spec's request
//! bodies and parameters (the provider sends them to us), a provider-role
//! spec's responses. In those schemas: no closed `enum` (providers add
//! values), no `additionalProperties: false`, and every object keeps unknown
//! fields in a catch-all map (`additionalProperties` set to a schema, which
//! progenitor turns into a flattened `extra` map).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::apis::Role;

/// Every rule violation, as `pointer: problem`.
pub fn received_schema_violations(spec: &Value, role: Role) -> Vec<String> {
    let mut walker = Walker {
        spec,
        seen: BTreeSet::new(),
        violations: Vec::new(),
    };
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let at = format!("/paths/{}/{method}", escape(path));
            match role {
                Role::Callbacks => {
                    for (i, param) in op["parameters"].as_array().into_iter().flatten().enumerate() {
                        walker.schema(&param["schema"], &format!("{at}/parameters/{i}/schema"));
                    }
                    for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                        walker.schema(
                            &content["schema"],
                            &format!("{at}/requestBody/content/{}/schema", escape(media)),
                        );
                    }
                }
                Role::Provider => {
                    for (status, response) in op["responses"].as_object().into_iter().flatten() {
                        for (media, content) in response["content"].as_object().into_iter().flatten() {
                            let pointer = format!("{at}/responses/{status}/content/{}/schema", escape(media));
                            walker.schema(&content["schema"], &pointer);
                        }
                    }
                }
            }
        }
    }
    walker.violations
}

/// Escapes a JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

struct Walker<'a> {
    spec: &'a Value,
    seen: BTreeSet<String>,
    violations: Vec<String>,
}

impl Walker<'_> {
    fn schema(&mut self, schema: &Value, at: &str) {
        let Some(object) = schema.as_object() else { return };
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            if self.seen.insert(reference.to_string()) {
                let pointer = reference.trim_start_matches('#');
                if let Some(target) = self.spec.pointer(pointer) {
                    self.schema(target, pointer);
                }
            }
            return;
        }
        if object.contains_key("enum") {
            self.violations
                .push(format!("{at}: closed enum on a received value; providers add values"));
        }
        let is_object =
            object.get("type").and_then(Value::as_str) == Some("object") || object.contains_key("properties");
        match object.get("additionalProperties") {
            Some(Value::Bool(false)) => self.violations.push(format!(
                "{at}: additionalProperties: false rejects fields providers add"
            )),
            Some(Value::Object(_)) => {}
            _ if is_object => self.violations.push(format!(
                "{at}: object without a catch-all (additionalProperties: {{}}); unknown fields would be lost"
            )),
            _ => {}
        }
        for (key, child) in object {
            match key.as_str() {
                "properties" => {
                    for (name, property) in child.as_object().into_iter().flatten() {
                        self.schema(property, &format!("{at}/properties/{name}"));
                    }
                }
                "items" | "additionalProperties" | "not" => self.schema(child, &format!("{at}/{key}")),
                "allOf" | "anyOf" | "oneOf" => {
                    for (i, variant) in child.as_array().into_iter().flatten().enumerate() {
                        self.schema(variant, &format!("{at}/{key}/{i}"));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_received_traps_and_ignores_what_we_send() {
        let spec = json!({
            "paths": {"/cb": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}
            }}},
            "components": {"schemas": {"In": {
                "type": "object", "additionalProperties": {},
                "properties": {
                    "channel": {"type": "string", "enum": ["sms"]},
                    "strict": {"type": "object", "additionalProperties": false},
                    "loose": {"type": "object", "properties": {"a": {"type": "string"}}}
                }
            }}}
        });
        assert_eq!(
            received_schema_violations(&spec, Role::Callbacks),
            [
                "/components/schemas/In/properties/channel: closed enum on a received value; providers add values",
                "/components/schemas/In/properties/strict: additionalProperties: false rejects fields providers add",
                "/components/schemas/In/properties/loose: object without a catch-all (additionalProperties: {}); unknown fields would be lost",
            ]
        );
        assert_eq!(
            received_schema_violations(&spec, Role::Provider),
            [
                "/paths/~1cb/post/responses/200/content/application~1json/schema: object without a catch-all (additionalProperties: {}); unknown fields would be lost"
            ]
        );
    }
}
