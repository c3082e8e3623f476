//! Every rule the diff knows, with its level for each role, in one table.
//!
//! Ids are oasdiff's where oasdiff has the rule (`api-operation-id-changed`
//! and `response-header-became-required` are ours). Levels are judged for
//! smsgate, not copied from oasdiff: for a [`Role::Provider`] spec we are
//! the client (we send requests, receive responses); for a
//! [`Role::Callbacks`] spec we are the server (we receive requests, send the
//! responses). Narrowing what the other side accepts from
//! us, or widening what it may send us, is what breaks us.
//!
//! `tolerated` is the level used instead when the change is in data we
//! receive and our generated type absorbs it: an object with a catch-all map
//! for unknown fields (`additionalProperties` present and not `false`), or a
//! value that is no longer an enum at all (a plain `String` accepts anything).
//!
//! Response headers are not typed by the generated client (they arrive as a
//! header map), so a header we may no longer get is a warning, not an error.

use crate::change::{Level, Role};

/// One rule: an oasdiff id and how bad it is for each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// Level for a provider's API, where we are the client.
    pub provider: Level,
    /// Level for a provider's callbacks, where we are the server.
    pub callbacks: Level,
    /// Level when the change is in data we receive and our type tolerates it.
    pub tolerated: Option<Level>,
    /// What the rule detects, for listings.
    pub summary: &'static str,
}

impl Rule {
    /// The level of a change found by this rule.
    pub fn level(&self, role: Role, tolerated: bool) -> Level {
        let level = match role {
            Role::Provider => self.provider,
            Role::Callbacks => self.callbacks,
        };
        match self.tolerated {
            Some(relaxed) if tolerated => level.min(relaxed),
            _ => level,
        }
    }
}

use Level::{Error, Info, Warning};

macro_rules! rules {
    ($($name:ident = $id:literal, $provider:ident, $callbacks:ident, $tolerated:expr, $summary:literal;)*) => {
        $(pub const $name: Rule = Rule {
            id: $id,
            provider: $provider,
            callbacks: $callbacks,
            tolerated: $tolerated,
            summary: $summary,
        };)*
        /// All rules, in the order of this table.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    // Operations.
    ENDPOINT_ADDED = "endpoint-added", Info, Info, None,
        "an operation was added";
    API_PATH_REMOVED = "api-path-removed-without-deprecation", Error, Warning, None,
        "a path and its operations were removed";
    API_REMOVED = "api-removed-without-deprecation", Error, Warning, None,
        "an operation was removed from a path that remains";
    API_OPERATION_ID_CHANGED = "api-operation-id-changed", Error, Warning, None,
        "an operationId changed, so the generated method name changes";

    // Parameters.
    NEW_REQUIRED_REQUEST_PARAMETER = "new-required-request-parameter", Error, Info, None,
        "a required parameter was added";
    NEW_OPTIONAL_REQUEST_PARAMETER = "new-optional-request-parameter", Info, Info, None,
        "an optional parameter was added";
    REQUEST_PARAMETER_REMOVED = "request-parameter-removed", Warning, Warning, None,
        "a parameter was removed";
    REQUEST_PARAMETER_BECAME_REQUIRED = "request-parameter-became-required", Error, Info, None,
        "a parameter became required";
    REQUEST_PARAMETER_BECAME_OPTIONAL = "request-parameter-became-optional", Info, Warning, None,
        "a parameter became optional";
    REQUEST_PARAMETER_TYPE_CHANGED = "request-parameter-type-changed", Error, Error, None,
        "a parameter's type or format changed";
    REQUEST_PARAMETER_ENUM_VALUE_ADDED = "request-parameter-enum-value-added", Info, Error, Some(Info),
        "a parameter accepts new enum values (or is no longer an enum)";
    REQUEST_PARAMETER_ENUM_VALUE_REMOVED = "request-parameter-enum-value-removed", Error, Info, None,
        "a parameter lost enum values (or became an enum)";
    REQUEST_PARAMETER_PATTERN_ADDED = "request-parameter-pattern-added", Warning, Info, None,
        "a parameter gained a pattern";
    REQUEST_PARAMETER_PATTERN_CHANGED = "request-parameter-pattern-changed", Warning, Warning, None,
        "a parameter's pattern changed";
    REQUEST_PARAMETER_PATTERN_REMOVED = "request-parameter-pattern-removed", Info, Warning, None,
        "a parameter lost its pattern";

    // Request bodies.
    REQUEST_BODY_ADDED_REQUIRED = "request-body-added-required", Error, Info, None,
        "a required request body was added";
    REQUEST_BODY_ADDED_OPTIONAL = "request-body-added-optional", Info, Info, None,
        "an optional request body was added";
    REQUEST_BODY_REMOVED = "request-body-removed", Warning, Error, None,
        "the request body was removed";
    REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required", Error, Info, None,
        "the request body became required";
    REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional", Info, Warning, None,
        "the request body became optional";
    REQUEST_BODY_MEDIA_TYPE_ADDED = "request-body-media-type-added", Info, Warning, None,
        "the request body has a new media type";
    REQUEST_BODY_MEDIA_TYPE_REMOVED = "request-body-media-type-removed", Error, Warning, None,
        "a media type of the request body was removed";
    REQUEST_BODY_TYPE_CHANGED = "request-body-type-changed", Error, Error, None,
        "the request body's type or format changed";

    // Request properties.
    NEW_REQUIRED_REQUEST_PROPERTY = "new-required-request-property", Error, Warning, Some(Info),
        "a required request property was added";
    NEW_OPTIONAL_REQUEST_PROPERTY = "new-optional-request-property", Info, Warning, Some(Info),
        "an optional request property was added";
    REQUEST_PROPERTY_REMOVED = "request-property-removed", Warning, Warning, None,
        "a request property was removed";
    REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required", Error, Info, None,
        "a request property became required";
    REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional", Info, Warning, None,
        "a request property became optional";
    REQUEST_PROPERTY_TYPE_CHANGED = "request-property-type-changed", Error, Error, None,
        "a request property's type or format changed";
    REQUEST_PROPERTY_ENUM_VALUE_ADDED = "request-property-enum-value-added", Info, Error, Some(Info),
        "a request property has new enum values (or is no longer an enum)";
    REQUEST_PROPERTY_ENUM_VALUE_REMOVED = "request-property-enum-value-removed", Error, Info, None,
        "a request property lost enum values (or became an enum)";
    REQUEST_PROPERTY_PATTERN_ADDED = "request-property-pattern-added", Warning, Info, None,
        "a request property gained a pattern";
    REQUEST_PROPERTY_PATTERN_CHANGED = "request-property-pattern-changed", Warning, Warning, None,
        "a request property's pattern changed";
    REQUEST_PROPERTY_PATTERN_REMOVED = "request-property-pattern-removed", Info, Warning, None,
        "a request property lost its pattern";

    // Responses (2xx only).
    RESPONSE_SUCCESS_STATUS_ADDED = "response-success-status-added", Info, Info, None,
        "a success status was added";
    RESPONSE_SUCCESS_STATUS_REMOVED = "response-success-status-removed", Error, Warning, None,
        "a success status was removed";
    RESPONSE_MEDIA_TYPE_ADDED = "response-media-type-added", Info, Info, None,
        "a success response has a new media type";
    RESPONSE_MEDIA_TYPE_REMOVED = "response-media-type-removed", Error, Warning, None,
        "a media type of a success response was removed";
    RESPONSE_BODY_TYPE_CHANGED = "response-body-type-changed", Error, Warning, None,
        "a response body's type or format changed";

    // Response properties.
    RESPONSE_REQUIRED_PROPERTY_ADDED = "response-required-property-added", Warning, Warning, Some(Info),
        "a required response property was added";
    RESPONSE_OPTIONAL_PROPERTY_ADDED = "response-optional-property-added", Warning, Info, Some(Info),
        "an optional response property was added";
    RESPONSE_REQUIRED_PROPERTY_REMOVED = "response-required-property-removed", Error, Info, None,
        "a required response property was removed";
    RESPONSE_OPTIONAL_PROPERTY_REMOVED = "response-optional-property-removed", Warning, Info, None,
        "an optional response property was removed";
    RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional", Warning, Info, None,
        "a response property became optional";
    RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required", Info, Warning, None,
        "a response property became required";
    RESPONSE_PROPERTY_TYPE_CHANGED = "response-property-type-changed", Error, Warning, None,
        "a response property's type or format changed";
    RESPONSE_PROPERTY_ENUM_VALUE_ADDED = "response-property-enum-value-added", Error, Info, Some(Info),
        "a response property has new enum values (or is no longer an enum)";
    RESPONSE_PROPERTY_ENUM_VALUE_REMOVED = "response-property-enum-value-removed", Info, Warning, None,
        "a response property lost enum values (or became an enum)";
    RESPONSE_PROPERTY_PATTERN_ADDED = "response-property-pattern-added", Info, Warning, None,
        "a response property gained a pattern";
    RESPONSE_PROPERTY_PATTERN_CHANGED = "response-property-pattern-changed", Warning, Warning, None,
        "a response property's pattern changed";
    RESPONSE_PROPERTY_PATTERN_REMOVED = "response-property-pattern-removed", Warning, Info, None,
        "a response property lost its pattern";

    // Other responses and headers (every status).
    RESPONSE_NON_SUCCESS_STATUS_ADDED = "response-non-success-status-added", Info, Info, None,
        "a non-success status was added";
    RESPONSE_NON_SUCCESS_STATUS_REMOVED = "response-non-success-status-removed", Info, Warning, None,
        "a non-success status was removed";
    RESPONSE_HEADER_ADDED = "response-header-added", Info, Info, None,
        "a response header was added";
    REQUIRED_RESPONSE_HEADER_REMOVED = "required-response-header-removed", Warning, Info, None,
        "a required response header was removed";
    OPTIONAL_RESPONSE_HEADER_REMOVED = "optional-response-header-removed", Warning, Info, None,
        "an optional response header was removed";
    RESPONSE_HEADER_BECAME_OPTIONAL = "response-header-became-optional", Warning, Info, None,
        "a response header became optional";
    RESPONSE_HEADER_BECAME_REQUIRED = "response-header-became-required", Info, Warning, None,
        "a response header became required";

    // Security.
    API_SECURITY_ADDED = "api-security-added", Error, Warning, None,
        "an operation's effective security gained a requirement";
    API_SECURITY_REMOVED = "api-security-removed", Info, Warning, None,
        "an operation's effective security lost a requirement";
    API_GLOBAL_SECURITY_ADDED = "api-global-security-added", Error, Warning, None,
        "the document's security gained a requirement";
    API_GLOBAL_SECURITY_REMOVED = "api-global-security-removed", Info, Warning, None,
        "the document's security lost a requirement";
    API_SECURITY_COMPONENT_ADDED = "api-security-component-added", Info, Info, None,
        "a security scheme was defined";
    API_SECURITY_COMPONENT_REMOVED = "api-security-component-removed", Info, Info, None,
        "a security scheme definition was removed";
    API_SECURITY_COMPONENT_TYPE_CHANGED = "api-security-component-type-changed", Error, Error, None,
        "a security scheme changed how credentials are sent (its type, or where an API key goes)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
    }

    #[test]
    fn tolerance_only_relaxes() {
        assert_eq!(RESPONSE_PROPERTY_ENUM_VALUE_ADDED.level(Role::Provider, false), Error);
        assert_eq!(RESPONSE_PROPERTY_ENUM_VALUE_ADDED.level(Role::Provider, true), Info);
        assert_eq!(ENDPOINT_ADDED.level(Role::Callbacks, true), Info);
        assert_eq!(NEW_REQUIRED_REQUEST_PROPERTY.level(Role::Provider, false), Error);
    }
}
