//! Comparing an operation's parameters (its own and its path's).

use openapiv3::{Parameter, ParameterSchemaOrContent};

use crate::change::{DiffError, OpKey, Role, escape};
use crate::checks::{PatternRules, enum_changes, pattern_change};
use crate::context::{Ctx, OpSide};
use crate::resolve::{Resolver, SchemaRef};
use crate::rules;
use crate::view::View;

/// One effective parameter of an operation.
struct Param<'a> {
    location: &'static str,
    name: &'a str,
    required: bool,
    pointer: String,
    schema: Option<(SchemaRef<'a>, String)>,
}

impl Param<'_> {
    /// Header names are case-insensitive.
    fn key(&self) -> (&'static str, String) {
        match self.location {
            "header" => (self.location, self.name.to_ascii_lowercase()),
            _ => (self.location, self.name.to_owned()),
        }
    }

    fn label(&self) -> String {
        format!("{} parameter `{}`", self.location, self.name)
    }
}

/// The parameters that apply to an operation: the path's, overridden by the
/// operation's own.
fn effective<'a>(resolver: &Resolver<'a>, side: &OpSide<'a>) -> Result<Vec<Param<'a>>, DiffError> {
    let path_level = side
        .item
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| (p, format!("{}/parameters/{i}", side.path_pointer)));
    let own = side
        .op
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| (p, format!("{}/parameters/{i}", side.pointer)));
    let mut params: Vec<Param<'a>> = Vec::new();
    for (r, pointer) in path_level.chain(own) {
        let found = resolver.parameter(r, pointer)?;
        let (location, data) = match found.item {
            Parameter::Query { parameter_data, .. } => ("query", parameter_data),
            Parameter::Header { parameter_data, .. } => ("header", parameter_data),
            Parameter::Path { parameter_data, .. } => ("path", parameter_data),
            Parameter::Cookie { parameter_data, .. } => ("cookie", parameter_data),
        };
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(s) => Some((s.into(), format!("{}/schema", found.pointer))),
            ParameterSchemaOrContent::Content(content) => content.iter().find_map(|(media, m)| {
                let pointer = format!("{}/content/{}/schema", found.pointer, escape(media));
                m.schema.as_ref().map(|s| (s.into(), pointer))
            }),
        };
        let param = Param {
            location,
            name: &data.name,
            required: data.required || location == "path",
            pointer: found.pointer,
            schema,
        };
        match params.iter_mut().find(|p| p.key() == param.key()) {
            Some(existing) => *existing = param,
            None => params.push(param),
        }
    }
    Ok(params)
}

/// What a message says about a parameter's schema.
struct Shape<'a> {
    pointer: String,
    describe: String,
    view: View<'a>,
}

fn shape<'a>(resolver: &Resolver<'a>, schema: Option<(SchemaRef<'a>, String)>) -> Result<Option<Shape<'a>>, DiffError> {
    let Some((schema, pointer)) = schema else {
        return Ok(None);
    };
    // Findings point at the parameter's own `schema`, even when it is a
    // `$ref`: another parameter may share the component.
    let found = resolver.schema(schema, pointer.clone())?;
    let view = View::of(resolver, found.item, &found.pointer)?;
    // Array items are part of a parameter's type: `array of integer`.
    let mut describe = view.describe();
    let mut items = view.items.as_ref().map(|c| (c.schema, c.pointer.clone()));
    for _ in 0..8 {
        let Some((schema, pointer)) = items.take() else { break };
        let found = resolver.schema(schema, pointer)?;
        let inner = View::of(resolver, found.item, &found.pointer)?;
        describe = format!("{describe} of {}", inner.describe());
        items = inner.items.map(|c| (c.schema, c.pointer));
    }
    Ok(Some(Shape {
        pointer,
        describe,
        view,
    }))
}

pub(crate) fn diff<'a>(ctx: &mut Ctx<'a>, op: &OpKey, old: &OpSide<'a>, new: &OpSide<'a>) -> Result<(), DiffError> {
    let (ro, rn) = (ctx.old, ctx.new);
    let (olds, news) = (effective(&ro, old)?, effective(&rn, new)?);
    for p in olds.iter().filter(|p| !news.iter().any(|n| n.key() == p.key())) {
        ctx.emit(
            &rules::REQUEST_PARAMETER_REMOVED,
            false,
            op,
            p.pointer.clone(),
            format!("{} removed", p.label()),
        );
    }
    for n in news {
        let Some(o) = olds.iter().find(|o| o.key() == n.key()) else {
            let (rule, how) = if n.required {
                (&rules::NEW_REQUIRED_REQUEST_PARAMETER, "required")
            } else {
                (&rules::NEW_OPTIONAL_REQUEST_PARAMETER, "optional")
            };
            ctx.emit(
                rule,
                false,
                op,
                n.pointer.clone(),
                format!("{} added ({how})", n.label()),
            );
            continue;
        };
        if o.required != n.required {
            let (rule, became) = if n.required {
                (&rules::REQUEST_PARAMETER_BECAME_REQUIRED, "required")
            } else {
                (&rules::REQUEST_PARAMETER_BECAME_OPTIONAL, "optional")
            };
            ctx.emit(
                rule,
                false,
                op,
                n.pointer.clone(),
                format!("{} became {became}", n.label()),
            );
        }
        let label = n.label();
        let (Some(so), Some(sn)) = (shape(&ro, o.schema.clone())?, shape(&rn, n.schema)?) else {
            continue;
        };
        if so.describe != sn.describe {
            let message = format!("{label} changed type from {} to {}", so.describe, sn.describe);
            ctx.emit(&rules::REQUEST_PARAMETER_TYPE_CHANGED, false, op, sn.pointer, message);
            continue;
        }
        let received = ctx.role == Role::Callbacks;
        let (added, removed) = (
            &rules::REQUEST_PARAMETER_ENUM_VALUE_ADDED,
            &rules::REQUEST_PARAMETER_ENUM_VALUE_REMOVED,
        );
        for (rule, tolerated, message) in enum_changes(&so.view.enumeration, &sn.view.enumeration, added, removed) {
            ctx.emit(
                rule,
                tolerated && received,
                op,
                sn.pointer.clone(),
                format!("{label} {message}"),
            );
        }
        if let Some((rule, message)) =
            pattern_change(so.view.pattern, sn.view.pattern, &PatternRules::REQUEST_PARAMETER)
        {
            ctx.emit(rule, false, op, sn.pointer.clone(), format!("{label} {message}"));
        }
    }
    Ok(())
}
