//! Comparing security requirements: the document's, and each operation's
//! effective ones (its own, or the document's when it has none); and the
//! security schemes they name (`components.securitySchemes`).

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};

use crate::change::{OpKey, escape};
use crate::context::{Ctx, OpSide};
use crate::rules::{self, Rule};

/// Requirements as comparable strings: `api-key`, `oauth [read, write]`,
/// `a + b` for schemes needed together, `anonymous` for `{}`.
fn requirements(list: Option<&Vec<SecurityRequirement>>) -> Vec<String> {
    let mut out: Vec<String> = list
        .into_iter()
        .flatten()
        .map(|req| {
            let mut schemes: Vec<String> = req
                .iter()
                .map(|(name, scopes)| {
                    let mut scopes = scopes.clone();
                    scopes.sort();
                    if scopes.is_empty() {
                        name.clone()
                    } else {
                        format!("{name} [{}]", scopes.join(", "))
                    }
                })
                .collect();
            schemes.sort();
            if schemes.is_empty() {
                "anonymous".into()
            } else {
                schemes.join(" + ")
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn show(reqs: &[String]) -> String {
    if reqs.is_empty() {
        "none".into()
    } else {
        reqs.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(" or ")
    }
}

struct Place<'p> {
    op: &'p OpKey,
    old_pointer: String,
    new_pointer: String,
    what: &'static str,
}

fn compare(ctx: &mut Ctx<'_>, old: &[String], new: &[String], (added, removed): (&Rule, &Rule), place: Place<'_>) {
    let gained: Vec<String> = new.iter().filter(|r| !old.contains(r)).cloned().collect();
    let lost: Vec<String> = old.iter().filter(|r| !new.contains(r)).cloned().collect();
    let what = place.what;
    if !gained.is_empty() {
        let message = format!("{what} gained {} (was {}, now {})", show(&gained), show(old), show(new));
        ctx.emit(added, false, place.op, place.new_pointer.clone(), message);
    }
    if !lost.is_empty() {
        let message = format!("{what} lost {} (was {}, now {})", show(&lost), show(old), show(new));
        ctx.emit(removed, false, place.op, place.old_pointer, message);
    }
}

/// The document-level `security`.
pub(crate) fn document(ctx: &mut Ctx<'_>) {
    let old = requirements(ctx.old.doc.security.as_ref());
    let new = requirements(ctx.new.doc.security.as_ref());
    let rules = (&rules::API_GLOBAL_SECURITY_ADDED, &rules::API_GLOBAL_SECURITY_REMOVED);
    let place = Place {
        op: &OpKey::default(),
        old_pointer: "/security".into(),
        new_pointer: "/security".into(),
        what: "document security",
    };
    compare(ctx, &old, &new, rules, place);
}

/// An operation's effective security. When it inherits the document's on
/// both sides, [`document`] has already said everything.
pub(crate) fn operation(ctx: &mut Ctx<'_>, op: &OpKey, old: &OpSide<'_>, new: &OpSide<'_>) {
    if old.op.security.is_none() && new.op.security.is_none() {
        return;
    }
    let effective = |side: &OpSide<'_>, global: Option<&Vec<SecurityRequirement>>| match &side.op.security {
        Some(own) => (requirements(Some(own)), format!("{}/security", side.pointer)),
        // Inherited: point at the operation, which says nothing of its own.
        None => (requirements(global), side.pointer.clone()),
    };
    let (old_reqs, old_pointer) = effective(old, ctx.old.doc.security.as_ref());
    let (new_reqs, new_pointer) = effective(new, ctx.new.doc.security.as_ref());
    let rules = (&rules::API_SECURITY_ADDED, &rules::API_SECURITY_REMOVED);
    compare(
        ctx,
        &old_reqs,
        &new_reqs,
        rules,
        Place {
            op,
            old_pointer,
            new_pointer,
            what: "security",
        },
    );
}

/// How a scheme sends credentials, as compared: `apiKey (header
/// Authorization)`, `http (bearer)`, `oauth2`, `openIdConnect`; a `$ref`
/// scheme as its reference.
fn scheme(scheme: &ReferenceOr<SecurityScheme>) -> String {
    match scheme {
        ReferenceOr::Reference { reference } => reference.clone(),
        ReferenceOr::Item(SecurityScheme::APIKey { location, name, .. }) => {
            let location = match location {
                APIKeyLocation::Query => "query",
                APIKeyLocation::Header => "header",
                APIKeyLocation::Cookie => "cookie",
            };
            format!("apiKey ({location} {name})")
        }
        ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. }) => format!("http ({})", scheme.to_ascii_lowercase()),
        ReferenceOr::Item(SecurityScheme::OAuth2 { .. }) => "oauth2".into(),
        ReferenceOr::Item(SecurityScheme::OpenIDConnect { .. }) => "openIdConnect".into(),
    }
}

/// The schemes defined in `components.securitySchemes`: added, removed, or
/// sending credentials another way. Scopes and URLs of OAuth flows are not
/// compared.
pub(crate) fn components<'a>(ctx: &mut Ctx<'a>) {
    let schemes = |doc: &'a OpenAPI| -> Vec<(&'a String, &'a ReferenceOr<SecurityScheme>)> {
        doc.components.iter().flat_map(|c| &c.security_schemes).collect()
    };
    let (old, new) = (schemes(ctx.old.doc), schemes(ctx.new.doc));
    let document = OpKey::default();
    let pointer = |name: &str| format!("/components/securitySchemes/{}", escape(name));
    for (name, _) in old.iter().filter(|(n, _)| !new.iter().any(|(m, _)| m == n)) {
        let message = format!("security scheme `{name}` removed");
        ctx.emit(
            &rules::API_SECURITY_COMPONENT_REMOVED,
            false,
            &document,
            pointer(name),
            message,
        );
    }
    for &(name, defined) in &new {
        let Some((_, was)) = old.iter().find(|(n, _)| *n == name) else {
            let message = format!("security scheme `{name}` added: {}", scheme(defined));
            ctx.emit(
                &rules::API_SECURITY_COMPONENT_ADDED,
                false,
                &document,
                pointer(name),
                message,
            );
            continue;
        };
        let (was, is) = (scheme(was), scheme(defined));
        if was != is {
            let message = format!("security scheme `{name}` changed from {was} to {is}");
            ctx.emit(
                &rules::API_SECURITY_COMPONENT_TYPE_CHANGED,
                false,
                &document,
                pointer(name),
                message,
            );
        }
    }
}
