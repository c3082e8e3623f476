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
//! A received value beyond a relaxed bound is a warning, as a relaxed pattern
//! is: the generated type checks lengths, and a provider seldom uses the
//! room at once. A received property that became nullable is tolerated when
//! it is optional: its `Option` already reads `null`.
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

    // Deprecation and sunset (`x-sunset`), judged against the day of the diff.
    ENDPOINT_DEPRECATED = "endpoint-deprecated", Info, Info, None,
        "an operation was deprecated";
    ENDPOINT_REACTIVATED = "endpoint-reactivated", Info, Info, None,
        "an operation is no longer deprecated";
    API_DEPRECATED_SUNSET_PARSE = "api-deprecated-sunset-parse", Warning, Warning, None,
        "an operation was deprecated with a sunset date that cannot be read";
    API_PATH_REMOVED_WITH_DEPRECATION = "api-path-removed-with-deprecation", Info, Info, None,
        "a path was removed whose operations were deprecated, without a sunset date";
    API_REMOVED_WITH_DEPRECATION = "api-removed-with-deprecation", Info, Info, None,
        "a deprecated operation without a sunset date was removed";
    API_PATH_REMOVED_BEFORE_SUNSET = "api-path-removed-before-sunset", Error, Warning, None,
        "a path was removed before the sunset date of its deprecated operations";
    API_REMOVED_BEFORE_SUNSET = "api-removed-before-sunset", Error, Warning, None,
        "a deprecated operation was removed before its sunset date";
    API_PATH_SUNSET_PARSE = "api-path-sunset-parse", Error, Warning, None,
        "a deprecated operation was removed, and its sunset date cannot be read";

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

    // Property nullability, defaults and oneOf/anyOf variants (properties and
    // items; a body's own schema is judged by its type only).
    REQUEST_PROPERTY_BECAME_NULLABLE = "request-property-became-nullable", Info, Error, Some(Info),
        "a request property became nullable";
    REQUEST_PROPERTY_BECAME_NOT_NULLABLE = "request-property-became-not-nullable", Error, Info, None,
        "a request property became not nullable";
    RESPONSE_PROPERTY_BECAME_NULLABLE = "response-property-became-nullable", Error, Info, Some(Info),
        "a response property became nullable";
    RESPONSE_PROPERTY_BECAME_NOT_NULLABLE = "response-property-became-not-nullable", Info, Warning, None,
        "a response property became not nullable";
    REQUEST_PROPERTY_DEFAULT_VALUE_ADDED = "request-property-default-value-added", Info, Info, None,
        "a request property gained a default";
    REQUEST_PROPERTY_DEFAULT_VALUE_CHANGED = "request-property-default-value-changed", Warning, Warning, None,
        "a request property's default changed: an omitted value now means another one";
    REQUEST_PROPERTY_DEFAULT_VALUE_REMOVED = "request-property-default-value-removed", Warning, Info, None,
        "a request property lost its default";
    RESPONSE_PROPERTY_DEFAULT_VALUE_ADDED = "response-property-default-value-added", Info, Info, None,
        "a response property gained a default";
    RESPONSE_PROPERTY_DEFAULT_VALUE_CHANGED = "response-property-default-value-changed", Warning, Warning, None,
        "a response property's default changed: an omitted value now means another one";
    RESPONSE_PROPERTY_DEFAULT_VALUE_REMOVED = "response-property-default-value-removed", Info, Warning, None,
        "a response property lost its default";
    REQUEST_PROPERTY_ONE_OF_ADDED = "request-property-one-of-added", Info, Error, None,
        "a request property's oneOf gained a variant";
    REQUEST_PROPERTY_ONE_OF_REMOVED = "request-property-one-of-removed", Error, Info, None,
        "a request property's oneOf lost a variant";
    REQUEST_PROPERTY_ANY_OF_ADDED = "request-property-any-of-added", Info, Error, None,
        "a request property's anyOf gained a variant";
    REQUEST_PROPERTY_ANY_OF_REMOVED = "request-property-any-of-removed", Error, Info, None,
        "a request property's anyOf lost a variant";
    RESPONSE_PROPERTY_ONE_OF_ADDED = "response-property-one-of-added", Error, Info, None,
        "a response property's oneOf gained a variant";
    RESPONSE_PROPERTY_ONE_OF_REMOVED = "response-property-one-of-removed", Info, Warning, None,
        "a response property's oneOf lost a variant";
    RESPONSE_PROPERTY_ANY_OF_ADDED = "response-property-any-of-added", Error, Info, None,
        "a response property's anyOf gained a variant";
    RESPONSE_PROPERTY_ANY_OF_REMOVED = "response-property-any-of-removed", Info, Warning, None,
        "a response property's anyOf lost a variant";

    // Property bounds (minimum, maximum, minLength, maxLength, minItems,
    // maxItems), in the directions oasdiff names: tightening or setting what
    // the client sends, relaxing either side.
    REQUEST_PROPERTY_MAX_DECREASED = "request-property-max-decreased", Error, Info, None,
        "a request property's maximum decreased";
    REQUEST_PROPERTY_MAX_INCREASED = "request-property-max-increased", Info, Warning, None,
        "a request property's maximum increased";
    REQUEST_PROPERTY_MAX_SET = "request-property-max-set", Error, Info, None,
        "a request property gained a maximum";
    REQUEST_PROPERTY_MIN_INCREASED = "request-property-min-increased", Error, Info, None,
        "a request property's minimum increased";
    REQUEST_PROPERTY_MIN_DECREASED = "request-property-min-decreased", Info, Warning, None,
        "a request property's minimum decreased";
    REQUEST_PROPERTY_MIN_SET = "request-property-min-set", Error, Info, None,
        "a request property gained a minimum";
    REQUEST_PROPERTY_MAX_LENGTH_DECREASED = "request-property-max-length-decreased", Error, Info, None,
        "a request property's maxLength decreased";
    REQUEST_PROPERTY_MAX_LENGTH_INCREASED = "request-property-max-length-increased", Info, Warning, None,
        "a request property's maxLength increased";
    REQUEST_PROPERTY_MAX_LENGTH_SET = "request-property-max-length-set", Error, Info, None,
        "a request property gained a maxLength";
    REQUEST_PROPERTY_MIN_LENGTH_INCREASED = "request-property-min-length-increased", Error, Info, None,
        "a request property's minLength increased";
    REQUEST_PROPERTY_MIN_LENGTH_DECREASED = "request-property-min-length-decreased", Info, Warning, None,
        "a request property's minLength decreased";
    REQUEST_PROPERTY_MAX_ITEMS_DECREASED = "request-property-max-items-decreased", Error, Info, None,
        "a request property's maxItems decreased";
    REQUEST_PROPERTY_MAX_ITEMS_INCREASED = "request-property-max-items-increased", Info, Warning, None,
        "a request property's maxItems increased";
    REQUEST_PROPERTY_MAX_ITEMS_SET = "request-property-max-items-set", Error, Info, None,
        "a request property gained a maxItems";
    REQUEST_PROPERTY_MIN_ITEMS_INCREASED = "request-property-min-items-increased", Error, Info, None,
        "a request property's minItems increased";
    REQUEST_PROPERTY_MIN_ITEMS_SET = "request-property-min-items-set", Error, Info, None,
        "a request property gained a minItems";
    RESPONSE_PROPERTY_MAX_INCREASED = "response-property-max-increased", Warning, Info, None,
        "a response property's maximum increased";
    RESPONSE_PROPERTY_MIN_DECREASED = "response-property-min-decreased", Warning, Info, None,
        "a response property's minimum decreased";
    RESPONSE_PROPERTY_MAX_LENGTH_INCREASED = "response-property-max-length-increased", Warning, Info, None,
        "a response property's maxLength increased";
    RESPONSE_PROPERTY_MAX_LENGTH_UNSET = "response-property-max-length-unset", Warning, Info, None,
        "a response property lost its maxLength";
    RESPONSE_PROPERTY_MIN_LENGTH_DECREASED = "response-property-min-length-decreased", Warning, Info, None,
        "a response property's minLength decreased";
    RESPONSE_PROPERTY_MAX_ITEMS_INCREASED = "response-property-max-items-increased", Warning, Info, None,
        "a response property's maxItems increased";
    RESPONSE_PROPERTY_MIN_ITEMS_DECREASED = "response-property-min-items-decreased", Warning, Info, None,
        "a response property's minItems decreased";
    RESPONSE_PROPERTY_MIN_ITEMS_UNSET = "response-property-min-items-unset", Warning, Info, None,
        "a response property lost its minItems";

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
