//! Comparing what an operation's responses say besides their bodies: the
//! non-success statuses (added, removed) and every shared status's headers.
//!
//! `bodies` owns the success statuses and the media types under them; this
//! module walks all statuses, because oasdiff judges headers wherever they
//! are and non-success statuses by themselves. Header names are compared
//! case-insensitively, as HTTP reads them.

use openapiv3::{ReferenceOr, Response, StatusCode};

use crate::change::{DiffError, OpKey, escape};
use crate::context::{Ctx, OpSide};
use crate::resolve::Resolver;
use crate::rules;

/// An operation's responses: status, pointer, response.
fn statuses<'a>(side: &OpSide<'a>) -> Vec<(&'a StatusCode, String, &'a ReferenceOr<Response>)> {
    let responses = side.op.responses.responses.iter();
    responses
        .map(|(code, r)| (code, format!("{}/responses/{code}", side.pointer), r))
        .collect()
}

fn success(code: &StatusCode) -> bool {
    matches!(code, StatusCode::Code(200..=299) | StatusCode::Range(2))
}

pub(crate) fn diff<'a>(ctx: &mut Ctx<'a>, op: &OpKey, old: &OpSide<'a>, new: &OpSide<'a>) -> Result<(), DiffError> {
    let (olds, news) = (statuses(old), statuses(new));
    for (code, pointer, _) in olds.iter().filter(|(c, ..)| !success(c)) {
        if !news.iter().any(|(n, ..)| n == code) {
            let message = format!("non-success response {code} removed");
            ctx.emit(
                &rules::RESPONSE_NON_SUCCESS_STATUS_REMOVED,
                false,
                op,
                pointer.clone(),
                message,
            );
        }
    }
    for (code, pointer, response) in news {
        let Some((_, old_pointer, old_response)) = olds.iter().find(|(c, ..)| *c == code) else {
            if !success(code) {
                let message = format!("non-success response {code} added");
                ctx.emit(&rules::RESPONSE_NON_SUCCESS_STATUS_ADDED, false, op, pointer, message);
            }
            continue;
        };
        let o = ctx.old.response(old_response, old_pointer.clone())?;
        let n = ctx.new.response(response, pointer)?;
        headers(ctx, op, code, (o.item, &o.pointer), (n.item, &n.pointer))?;
    }
    Ok(())
}

/// One response's headers: `(lowercased name, name, required, pointer)`.
fn header_list<'a>(
    resolver: &Resolver<'a>,
    (response, pointer): (&'a Response, &str),
) -> Result<Vec<(String, &'a str, bool, String)>, DiffError> {
    let mut out = Vec::new();
    for (name, header) in &response.headers {
        let found = resolver.header(header, format!("{pointer}/headers/{}", escape(name)))?;
        out.push((
            name.to_ascii_lowercase(),
            name.as_str(),
            found.item.required,
            found.pointer,
        ));
    }
    Ok(out)
}

fn headers<'a>(
    ctx: &mut Ctx<'a>,
    op: &OpKey,
    code: &StatusCode,
    old: (&'a Response, &str),
    new: (&'a Response, &str),
) -> Result<(), DiffError> {
    let (olds, news) = (header_list(&ctx.old, old)?, header_list(&ctx.new, new)?);
    for (key, name, required, pointer) in &olds {
        if news.iter().any(|(k, ..)| k == key) {
            continue;
        }
        let (rule, how) = if *required {
            (&rules::REQUIRED_RESPONSE_HEADER_REMOVED, "required")
        } else {
            (&rules::OPTIONAL_RESPONSE_HEADER_REMOVED, "optional")
        };
        let message = format!("{how} header `{name}` removed from the {code} response");
        ctx.emit(rule, false, op, pointer.clone(), message);
    }
    for (key, name, required, pointer) in news {
        let Some((_, _, was_required, _)) = olds.iter().find(|(k, ..)| *k == key) else {
            let how = if required { "required" } else { "optional" };
            let message = format!("{how} header `{name}` added to the {code} response");
            ctx.emit(&rules::RESPONSE_HEADER_ADDED, false, op, pointer, message);
            continue;
        };
        if *was_required != required {
            let (rule, became) = if required {
                (&rules::RESPONSE_HEADER_BECAME_REQUIRED, "required")
            } else {
                (&rules::RESPONSE_HEADER_BECAME_OPTIONAL, "optional")
            };
            let message = format!("header `{name}` of the {code} response became {became}");
            ctx.emit(rule, false, op, pointer, message);
        }
    }
    Ok(())
}
