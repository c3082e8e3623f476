//! Comparing security requirements: the document's, and each operation's
//! effective ones (its own, or the document's when it has none).

use openapiv3::SecurityRequirement;

use crate::change::OpKey;
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
