//! A schema flattened to what the comparison looks at.

use std::collections::BTreeSet;

use openapiv3::{AdditionalProperties, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

use crate::change::{DiffError, escape};
use crate::resolve::{Resolver, SchemaRef};

/// A child schema and its pointer, not resolved yet.
pub(crate) struct Child<'a> {
    pub schema: SchemaRef<'a>,
    pub pointer: String,
}

/// What the comparison looks at in one schema.
pub(crate) struct View<'a> {
    pub kind: String,
    pub format: Option<String>,
    pub pattern: Option<&'a str>,
    /// Rendered values; `None` when the schema has no enum.
    pub enumeration: Option<Vec<String>>,
    pub properties: Vec<(&'a str, Child<'a>)>,
    pub required: BTreeSet<&'a str>,
    /// `additionalProperties` present and not `false`: our type keeps
    /// unknown fields.
    pub catch_all: bool,
    pub items: Option<Child<'a>>,
    pub variants: Vec<Child<'a>>,
    pub nullable: bool,
    pub default: Option<&'a serde_json::Value>,
    pub limits: Limits,
}

/// A schema's bounds, as numbers whatever the keyword's type.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Limits {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<f64>,
    pub max_length: Option<f64>,
    pub min_items: Option<f64>,
    pub max_items: Option<f64>,
}

impl Limits {
    /// Each bound this one lacks, taken from `other`.
    fn or(self, other: Limits) -> Limits {
        Limits {
            minimum: self.minimum.or(other.minimum),
            maximum: self.maximum.or(other.maximum),
            min_length: self.min_length.or(other.min_length),
            max_length: self.max_length.or(other.max_length),
            min_items: self.min_items.or(other.min_items),
            max_items: self.max_items.or(other.max_items),
        }
    }
}

/// A length or count bound as a number.
fn count(value: Option<usize>) -> Option<f64> {
    value.map(|v| v as f64)
}

impl<'a> View<'a> {
    pub fn of(resolver: &Resolver<'a>, schema: &'a Schema, pointer: &str) -> Result<View<'a>, DiffError> {
        Self::build(resolver, schema, pointer, &mut Vec::new())
    }

    fn empty(kind: &str) -> View<'a> {
        View {
            kind: kind.to_owned(),
            format: None,
            pattern: None,
            enumeration: None,
            properties: Vec::new(),
            required: BTreeSet::new(),
            catch_all: false,
            items: None,
            variants: Vec::new(),
            nullable: false,
            default: None,
            limits: Limits::default(),
        }
    }

    /// The type as a message shows it: `integer (int32)`.
    pub fn describe(&self) -> String {
        match &self.format {
            Some(format) => format!("{} ({format})", self.kind),
            None => self.kind.clone(),
        }
    }

    fn build(
        resolver: &Resolver<'a>,
        schema: &'a Schema,
        pointer: &str,
        seen: &mut Vec<String>,
    ) -> Result<View<'a>, DiffError> {
        let child = |s: SchemaRef<'a>, segment: String| Child {
            schema: s,
            pointer: format!("{pointer}/{segment}"),
        };
        let mut view = match &schema.schema_kind {
            SchemaKind::Type(Type::String(t)) => View {
                format: format_name(&t.format, serde_name),
                pattern: t.pattern.as_deref(),
                enumeration: values(&t.enumeration, |v| v.clone()),
                limits: Limits {
                    min_length: count(t.min_length),
                    max_length: count(t.max_length),
                    ..Limits::default()
                },
                ..Self::empty("string")
            },
            SchemaKind::Type(Type::Integer(t)) => View {
                format: format_name(&t.format, serde_name),
                enumeration: values(&t.enumeration, |v| v.to_string()),
                limits: Limits {
                    minimum: t.minimum.map(|v| v as f64),
                    maximum: t.maximum.map(|v| v as f64),
                    ..Limits::default()
                },
                ..Self::empty("integer")
            },
            SchemaKind::Type(Type::Number(t)) => View {
                format: format_name(&t.format, serde_name),
                enumeration: values(&t.enumeration, |v| v.to_string()),
                limits: Limits {
                    minimum: t.minimum,
                    maximum: t.maximum,
                    ..Limits::default()
                },
                ..Self::empty("number")
            },
            SchemaKind::Type(Type::Boolean(t)) => View {
                enumeration: values(&t.enumeration, |v| v.to_string()),
                ..Self::empty("boolean")
            },
            SchemaKind::Type(Type::Object(t)) => View {
                properties: t
                    .properties
                    .iter()
                    .map(|(n, s)| (n.as_str(), child(s.into(), property(n))))
                    .collect(),
                required: t.required.iter().map(String::as_str).collect(),
                catch_all: catch_all(&t.additional_properties),
                ..Self::empty("object")
            },
            SchemaKind::Type(Type::Array(t)) => View {
                items: t.items.as_ref().map(|s| child(s.into(), "items".into())),
                limits: Limits {
                    min_items: count(t.min_items),
                    max_items: count(t.max_items),
                    ..Limits::default()
                },
                ..Self::empty("array")
            },
            SchemaKind::OneOf { one_of } => View {
                variants: one_of
                    .iter()
                    .enumerate()
                    .map(|(i, s)| child(s.into(), format!("oneOf/{i}")))
                    .collect(),
                ..Self::empty("oneOf")
            },
            SchemaKind::AnyOf { any_of } => View {
                variants: any_of
                    .iter()
                    .enumerate()
                    .map(|(i, s)| child(s.into(), format!("anyOf/{i}")))
                    .collect(),
                ..Self::empty("anyOf")
            },
            SchemaKind::AllOf { .. } => Self::empty("any"),
            SchemaKind::Not { .. } => Self::empty("not"),
            SchemaKind::Any(any) => {
                let inferred = if !any.properties.is_empty() || any.additional_properties.is_some() {
                    "object"
                } else if any.items.is_some() {
                    "array"
                } else if !any.one_of.is_empty() {
                    "oneOf"
                } else if !any.any_of.is_empty() {
                    "anyOf"
                } else {
                    "any"
                };
                let (variants, word) = if any.one_of.is_empty() {
                    (&any.any_of, "anyOf")
                } else {
                    (&any.one_of, "oneOf")
                };
                View {
                    kind: any.typ.clone().unwrap_or_else(|| inferred.to_owned()),
                    format: any.format.clone(),
                    pattern: any.pattern.as_deref(),
                    enumeration: (!any.enumeration.is_empty()).then(|| any.enumeration.iter().map(render).collect()),
                    properties: any
                        .properties
                        .iter()
                        .map(|(n, s)| (n.as_str(), child(s.into(), property(n))))
                        .collect(),
                    required: any.required.iter().map(String::as_str).collect(),
                    catch_all: catch_all(&any.additional_properties),
                    items: any.items.as_ref().map(|s| child(s.into(), "items".into())),
                    variants: variants
                        .iter()
                        .enumerate()
                        .map(|(i, s)| child(s.into(), format!("{word}/{i}")))
                        .collect(),
                    nullable: false,
                    default: None,
                    limits: Limits {
                        minimum: any.minimum,
                        maximum: any.maximum,
                        min_length: count(any.min_length),
                        max_length: count(any.max_length),
                        min_items: count(any.min_items),
                        max_items: count(any.max_items),
                    },
                }
            }
        };
        view.nullable = schema.schema_data.nullable;
        view.default = schema.schema_data.default.as_ref();
        let all_of = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of.as_slice(),
            SchemaKind::Any(any) => any.all_of.as_slice(),
            _ => &[],
        };
        for (i, part) in all_of.iter().enumerate() {
            let found = resolver.schema(part.into(), format!("{pointer}/allOf/{i}"))?;
            if let Some(name) = &found.name {
                if seen.contains(name) {
                    continue;
                }
                seen.push(name.clone());
            }
            let part = Self::build(resolver, found.item, &found.pointer, seen)?;
            view.merge(part);
        }
        Ok(view)
    }

    /// Adds what an `allOf` member says to this view.
    fn merge(&mut self, other: View<'a>) {
        if self.kind == "any" {
            self.kind = other.kind;
        }
        self.format = self.format.take().or(other.format);
        self.pattern = self.pattern.or(other.pattern);
        self.enumeration = self.enumeration.take().or(other.enumeration);
        for (name, child) in other.properties {
            if !self.properties.iter().any(|(n, _)| *n == name) {
                self.properties.push((name, child));
            }
        }
        self.required.extend(other.required);
        self.catch_all |= other.catch_all;
        self.items = self.items.take().or(other.items);
        if self.variants.is_empty() {
            self.variants = other.variants;
        }
        self.default = self.default.or(other.default);
        self.limits = self.limits.or(other.limits);
    }
}

fn property(name: &str) -> String {
    format!("properties/{}", escape(name))
}

fn catch_all(additional: &Option<AdditionalProperties>) -> bool {
    !matches!(additional, None | Some(AdditionalProperties::Any(false)))
}

fn format_name<T>(format: &VariantOrUnknownOrEmpty<T>, name: impl Fn(&T) -> String) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(f) => Some(name(f)),
        VariantOrUnknownOrEmpty::Unknown(f) => Some(f.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// A format as the document spells it (`int32`, `date-time`).
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn values<T>(values: &[Option<T>], render: impl Fn(&T) -> String) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| {
        values
            .iter()
            .map(|v| v.as_ref().map_or_else(|| "null".into(), &render))
            .collect()
    })
}

fn render(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
