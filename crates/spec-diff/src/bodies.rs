//! Comparing request bodies and success responses: presence, statuses,
//! media types, then their schemas.

use openapiv3::{Content, ReferenceOr, Response, StatusCode};

use crate::change::{DiffError, OpKey, escape};
use crate::context::{Ctx, OpSide};
use crate::rules::{self, Rule};
use crate::schema::{Node, Side, Walker};

pub(crate) fn request<'a>(ctx: &mut Ctx<'a>, op: &OpKey, old: &OpSide<'a>, new: &OpSide<'a>) -> Result<(), DiffError> {
    let (ro, rn) = (ctx.old, ctx.new);
    let body = |side: &OpSide<'a>| format!("{}/requestBody", side.pointer);
    let ob = old
        .op
        .request_body
        .as_ref()
        .map(|b| ro.request_body(b, body(old)))
        .transpose()?;
    let nb = new
        .op
        .request_body
        .as_ref()
        .map(|b| rn.request_body(b, body(new)))
        .transpose()?;
    let (o, n) = match (ob, nb) {
        (None, None) => return Ok(()),
        (None, Some(n)) => {
            let (rule, how) = if n.item.required {
                (&rules::REQUEST_BODY_ADDED_REQUIRED, "required")
            } else {
                (&rules::REQUEST_BODY_ADDED_OPTIONAL, "optional")
            };
            ctx.emit(rule, false, op, n.pointer, format!("request body added ({how})"));
            return Ok(());
        }
        (Some(o), None) => {
            ctx.emit(
                &rules::REQUEST_BODY_REMOVED,
                false,
                op,
                o.pointer,
                "request body removed".into(),
            );
            return Ok(());
        }
        (Some(o), Some(n)) => (o, n),
    };
    if o.item.required != n.item.required {
        let (rule, became) = if n.item.required {
            (&rules::REQUEST_BODY_BECAME_REQUIRED, "required")
        } else {
            (&rules::REQUEST_BODY_BECAME_OPTIONAL, "optional")
        };
        ctx.emit(
            rule,
            false,
            op,
            n.pointer.clone(),
            format!("request body became {became}"),
        );
    }
    let mut walker = Walker::new(ctx, op, Side::Request);
    let rules = (
        &rules::REQUEST_BODY_MEDIA_TYPE_ADDED,
        &rules::REQUEST_BODY_MEDIA_TYPE_REMOVED,
    );
    content(
        &mut walker,
        (&o.item.content, &o.pointer),
        (&n.item.content, &n.pointer),
        rules,
        "the request body",
    )
}

pub(crate) fn responses<'a>(
    ctx: &mut Ctx<'a>,
    op: &OpKey,
    old: &OpSide<'a>,
    new: &OpSide<'a>,
) -> Result<(), DiffError> {
    let (ro, rn) = (ctx.old, ctx.new);
    let (olds, news) = (success(old), success(new));
    let mut walker = Walker::new(ctx, op, Side::Response);
    for (status, pointer, _) in olds.iter().filter(|(s, ..)| !news.iter().any(|(n, ..)| n == s)) {
        let message = format!("success response {status} removed");
        walker.ctx.emit(
            &rules::RESPONSE_SUCCESS_STATUS_REMOVED,
            false,
            op,
            pointer.clone(),
            message,
        );
    }
    for (status, pointer, response) in news {
        let Some((_, old_pointer, old_response)) = olds.iter().find(|(s, ..)| *s == status) else {
            let message = format!("success response {status} added");
            walker
                .ctx
                .emit(&rules::RESPONSE_SUCCESS_STATUS_ADDED, false, op, pointer, message);
            continue;
        };
        let o = ro.response(old_response, old_pointer.clone())?;
        let n = rn.response(response, pointer)?;
        let rules = (&rules::RESPONSE_MEDIA_TYPE_ADDED, &rules::RESPONSE_MEDIA_TYPE_REMOVED);
        let what = format!("the {status} response");
        content(
            &mut walker,
            (&o.item.content, &o.pointer),
            (&n.item.content, &n.pointer),
            rules,
            &what,
        )?;
    }
    Ok(())
}

/// An operation's 2xx responses: status, pointer, response.
fn success<'a>(side: &OpSide<'a>) -> Vec<(String, String, &'a ReferenceOr<Response>)> {
    let responses = side.op.responses.responses.iter();
    let success = responses.filter(|(code, _)| matches!(code, StatusCode::Code(200..=299) | StatusCode::Range(2)));
    success
        .map(|(code, r)| (code.to_string(), format!("{}/responses/{code}", side.pointer), r))
        .collect()
}

/// Media types added and removed, then the schemas of those in both.
fn content<'a>(
    walker: &mut Walker<'_, 'a>,
    (old, old_pointer): (&'a Content, &str),
    (new, new_pointer): (&'a Content, &str),
    (added, removed): (&Rule, &Rule),
    what: &str,
) -> Result<(), DiffError> {
    let media = |pointer: &str, name: &str| format!("{pointer}/content/{}", escape(name));
    for name in old.keys().filter(|m| !new.contains_key(*m)) {
        let message = format!("media type `{name}` removed from {what}");
        walker
            .ctx
            .emit(removed, false, walker.op, media(old_pointer, name), message);
    }
    for (name, n) in new {
        let Some(o) = old.get(name) else {
            let message = format!("media type `{name}` added to {what}");
            walker
                .ctx
                .emit(added, false, walker.op, media(new_pointer, name), message);
            continue;
        };
        let (Some(so), Some(sn)) = (&o.schema, &n.schema) else {
            continue;
        };
        let old = Node::root(
            &walker.ctx.old,
            so.into(),
            format!("{}/schema", media(old_pointer, name)),
        )?;
        let new = Node::root(
            &walker.ctx.new,
            sn.into(),
            format!("{}/schema", media(new_pointer, name)),
        )?;
        walker.walk(old, new)?;
    }
    Ok(())
}
