//! Pairing the two documents' operations, and what is judged per operation.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Operation, PathItem};

use crate::change::{DiffError, OpKey, escape};
use crate::context::{Ctx, OpSide};
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
            let message = described(&format!("removed with its path `{path}`, without deprecation"), op);
            let pointer = side(path, item, method, op).pointer;
            ctx.emit(&rules::API_PATH_REMOVED, false, &key(path, method), pointer, message);
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
            let message = described("removed without deprecation", op);
            let pointer = side(old_path, old_item, method, op).pointer;
            ctx.emit(&rules::API_REMOVED, false, &key(old_path, method), pointer, message);
        }
    }
    Ok(())
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
    parameters::diff(ctx, op, old, new)?;
    bodies::request(ctx, op, old, new)?;
    bodies::responses(ctx, op, old, new)?;
    responses::diff(ctx, op, old, new)?;
    security::operation(ctx, op, old, new);
    Ok(())
}
