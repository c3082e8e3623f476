//! Pairing the two documents' operations, and what is judged per operation:
//! removal (with or without deprecation, before or after a sunset date, as
//! oasdiff judges it), deprecation, operationId, then each part.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Operation, PathItem};

use crate::change::{DiffError, OpKey, escape};
use crate::context::{Ctx, OpSide};
use crate::rules::Rule;
use crate::sunset::Date;
use crate::{bodies, parameters, responses, rules, security};

/// Path items by template with parameter names dropped (`/m/{}`), so that
/// renaming a path parameter does not read as a removed path.
fn paths(doc: &OpenAPI) -> BTreeMap<String, (&str, &PathItem)> {
    let normalized = |path: &str| {
        let mut out = String::new();
        let mut in_param = false;
        for c in path.chars() {
            match c {
                '{' => in_param = true,
                '}' => {
                    in_param = false;
                    out.push_str("{}");
                }
                _ if !in_param => out.push(c),
                _ => {}
            }
        }
        out
    };
    let items = doc
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| Some((path.as_str(), item.as_item()?)));
    items.map(|(path, item)| (normalized(path), (path, item))).collect()
}

fn side<'a>(path: &str, item: &'a PathItem, method: &str, op: &'a Operation) -> OpSide<'a> {
    let path_pointer = format!("/paths/{}", escape(path));
    OpSide {
        item,
        op,
        pointer: format!("{path_pointer}/{method}"),
        path_pointer,
    }
}

fn key(path: &str, method: &str) -> OpKey {
    OpKey {
        path: path.to_owned(),
        method: method.to_ascii_uppercase(),
    }
}

fn described(what: &str, op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => format!("{what} (operationId `{id}`)"),
        None => what.to_owned(),
    }
}

pub(crate) fn diff<'a>(ctx: &mut Ctx<'a>) -> Result<(), DiffError> {
    let (old, new) = (paths(ctx.old.doc), paths(ctx.new.doc));
    for (template, (path, item)) in &old {
        if new.contains_key(template) {
            continue;
        }
        for (method, op) in item.iter() {
            let pointer = side(path, item, method, op).pointer;
            if let Some((rule, how)) = removal(op, true, ctx.today) {
                let message = described(&format!("removed with its path `{path}`, {how}"), op);
                ctx.emit(rule, false, &key(path, method), pointer, message);
            }
        }
    }
    for (template, (path, item)) in &new {
        let old_item = old.get(template);
        for (method, op) in item.iter() {
            let new_side = side(path, item, method, op);
            let found = old_item.and_then(|(p, i)| Some((p, i, i.iter().find(|(m, _)| *m == method)?.1)));
            match found {
                Some((old_path, old_item, old_op)) => {
                    let old_side = side(old_path, old_item, method, old_op);
                    operation(ctx, &key(path, method), &old_side, &new_side)?;
                }
                None => {
                    let message = described("endpoint added", op);
                    ctx.emit(
                        &rules::ENDPOINT_ADDED,
                        false,
                        &key(path, method),
                        new_side.pointer,
                        message,
                    );
                }
            }
        }
        let Some((old_path, old_item)) = old_item else { continue };
        for (method, op) in old_item.iter().filter(|(m, _)| !item.iter().any(|(n, _)| n == *m)) {
            let pointer = side(old_path, old_item, method, op).pointer;
            if let Some((rule, how)) = removal(op, false, ctx.today) {
                let message = described(&format!("removed {how}"), op);
                ctx.emit(rule, false, &key(old_path, method), pointer, message);
            }
        }
    }
    Ok(())
}

/// An operation's `x-sunset`: `None` when it has none, `Some(Err(text))`
/// when it cannot be read.
fn sunset(op: &Operation) -> Option<Result<Date, String>> {
    let value = op.extensions.get("x-sunset")?;
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
    Some(Date::parse(&text).ok_or(text))
}

/// How removing `op` (with its path, when `with_path`) is judged on
/// `today`, and how the message says it; `None` when it is past its sunset
/// date, which is what a sunset date announces.
fn removal(op: &Operation, with_path: bool, today: Date) -> Option<(&'static Rule, String)> {
    let pick = |path: &'static Rule, alone: &'static Rule| if with_path { path } else { alone };
    if !op.deprecated {
        let rule = pick(&rules::API_PATH_REMOVED, &rules::API_REMOVED);
        return Some((rule, "without deprecation".into()));
    }
    match sunset(op) {
        None => {
            let rule = pick(
                &rules::API_PATH_REMOVED_WITH_DEPRECATION,
                &rules::API_REMOVED_WITH_DEPRECATION,
            );
            Some((rule, "after deprecation without a sunset date".into()))
        }
        Some(Err(text)) => Some((
            &rules::API_PATH_SUNSET_PARSE,
            format!("while deprecated, with a sunset date that cannot be read: `{text}`"),
        )),
        Some(Ok(date)) if today < date => {
            let rule = pick(
                &rules::API_PATH_REMOVED_BEFORE_SUNSET,
                &rules::API_REMOVED_BEFORE_SUNSET,
            );
            Some((rule, format!("before its sunset date {date}")))
        }
        Some(Ok(_)) => None,
    }
}

/// An operation deprecated or no longer deprecated.
fn deprecation(ctx: &mut Ctx<'_>, op: &OpKey, old: &OpSide<'_>, new: &OpSide<'_>) {
    if old.op.deprecated == new.op.deprecated {
        return;
    }
    let pointer = format!("{}/deprecated", new.pointer);
    if !new.op.deprecated {
        let message = "no longer deprecated".to_owned();
        ctx.emit(&rules::ENDPOINT_REACTIVATED, false, op, pointer, message);
        return;
    }
    let (rule, message) = match sunset(new.op) {
        None => (
            &rules::ENDPOINT_DEPRECATED,
            "deprecated, without a sunset date".to_owned(),
        ),
        Some(Ok(date)) => (
            &rules::ENDPOINT_DEPRECATED,
            format!("deprecated, with sunset date {date}"),
        ),
        Some(Err(text)) => (
            &rules::API_DEPRECATED_SUNSET_PARSE,
            format!("deprecated with a sunset date that cannot be read: `{text}`"),
        ),
    };
    ctx.emit(rule, false, op, pointer, message);
}

fn operation<'a>(ctx: &mut Ctx<'a>, op: &OpKey, old: &OpSide<'a>, new: &OpSide<'a>) -> Result<(), DiffError> {
    if old.op.operation_id != new.op.operation_id {
        let show = |id: &Option<String>| id.as_ref().map_or_else(|| "none".to_owned(), |id| format!("`{id}`"));
        let message = format!(
            "operationId changed from {} to {}, renaming the generated method",
            show(&old.op.operation_id),
            show(&new.op.operation_id)
        );
        let pointer = format!("{}/operationId", new.pointer);
        ctx.emit(&rules::API_OPERATION_ID_CHANGED, false, op, pointer, message);
    }
    deprecation(ctx, op, old, new);
    parameters::diff(ctx, op, old, new)?;
    bodies::request(ctx, op, old, new)?;
    bodies::responses(ctx, op, old, new)?;
    responses::diff(ctx, op, old, new)?;
    security::operation(ctx, op, old, new);
    Ok(())
}
