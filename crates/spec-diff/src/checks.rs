//! Enum and pattern checks, shared by parameters and properties.

use crate::rules::{self, Rule};

/// `` `a`, `b` ``
pub(crate) fn list(values: &[&String]) -> String {
    values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
}

/// The enum changes between two value lists, as (rule, tolerated, message).
/// `tolerated` means the new schema has no enum: any value is accepted.
pub(crate) fn enum_changes(
    old: &Option<Vec<String>>,
    new: &Option<Vec<String>>,
    added: &'static Rule,
    removed: &'static Rule,
) -> Vec<(&'static Rule, bool, String)> {
    match (old, new) {
        (None, None) => Vec::new(),
        (Some(old), None) => {
            vec![(
                added,
                true,
                format!("is no longer an enum (was {})", list(&old.iter().collect::<Vec<_>>())),
            )]
        }
        (None, Some(new)) => {
            vec![(
                removed,
                false,
                format!("became an enum of {}", list(&new.iter().collect::<Vec<_>>())),
            )]
        }
        (Some(old), Some(new)) => {
            let gained: Vec<&String> = new.iter().filter(|v| !old.contains(v)).collect();
            let lost: Vec<&String> = old.iter().filter(|v| !new.contains(v)).collect();
            let mut out = Vec::new();
            if !gained.is_empty() {
                out.push((added, false, format!("gained enum value(s) {}", list(&gained))));
            }
            if !lost.is_empty() {
                out.push((removed, false, format!("lost enum value(s) {}", list(&lost))));
            }
            out
        }
    }
}

/// The three pattern rules of one kind of thing.
pub(crate) struct PatternRules {
    pub added: &'static Rule,
    pub changed: &'static Rule,
    pub removed: &'static Rule,
}

impl PatternRules {
    pub const REQUEST_PROPERTY: PatternRules = PatternRules {
        added: &rules::REQUEST_PROPERTY_PATTERN_ADDED,
        changed: &rules::REQUEST_PROPERTY_PATTERN_CHANGED,
        removed: &rules::REQUEST_PROPERTY_PATTERN_REMOVED,
    };
    pub const RESPONSE_PROPERTY: PatternRules = PatternRules {
        added: &rules::RESPONSE_PROPERTY_PATTERN_ADDED,
        changed: &rules::RESPONSE_PROPERTY_PATTERN_CHANGED,
        removed: &rules::RESPONSE_PROPERTY_PATTERN_REMOVED,
    };
    pub const REQUEST_PARAMETER: PatternRules = PatternRules {
        added: &rules::REQUEST_PARAMETER_PATTERN_ADDED,
        changed: &rules::REQUEST_PARAMETER_PATTERN_CHANGED,
        removed: &rules::REQUEST_PARAMETER_PATTERN_REMOVED,
    };
}

pub(crate) fn pattern_change(
    old: Option<&str>,
    new: Option<&str>,
    rules: &PatternRules,
) -> Option<(&'static Rule, String)> {
    // An empty pattern constrains nothing: it is no pattern.
    let (old, new) = (old.filter(|p| !p.is_empty()), new.filter(|p| !p.is_empty()));
    match (old, new) {
        (None, Some(p)) => Some((rules.added, format!("gained pattern `{p}`"))),
        (Some(p), None) => Some((rules.removed, format!("lost pattern `{p}`"))),
        (Some(a), Some(b)) if a != b => Some((rules.changed, format!("changed pattern from `{a}` to `{b}`"))),
        _ => None,
    }
}
