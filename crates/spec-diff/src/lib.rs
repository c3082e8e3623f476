//! What changed between two versions of a provider's OpenAPI document, and
//! how much it matters to us.
//!
//! `cargo xtask regen` needs to tell an upstream change we can
//! accept from one that breaks our generated client or our callback receiver.
//! A textual diff cannot say that, and oasdiff judges for a generic client in
//! one direction only, so this crate walks both documents structurally
//! (parsed as `openapiv3` types, `$ref`s resolved to components) and judges
//! each change twice over:
//!
//! * by **role**: for a provider's API we are the client, for its callbacks we
//!   are the server, and the same change flips from harmless to breaking
//!   ([`Role`]);
//! * by **our generated types**: progenitor/typify keep unknown fields in a
//!   catch-all map when a schema allows `additionalProperties`, but turn enums
//!   into closed Rust enums, and are strict about types.
//!
//! Rule ids are oasdiff's so reports read familiarly, and all rules with
//! their levels per role sit in one table ([`rules`]). `change` holds the
//! vocabulary (roles, levels, findings) and `context` the state of one walk;
//! each other module walks one part of the documents: `resolve` follows
//! `$ref`s; `operations` pairs paths and methods; `parameters`; `bodies`
//! (request bodies, success responses, media types); `responses`
//! (non-success statuses, headers); `schema` walks properties recursively,
//! with cycle protection, over each schema's flattened `view`, using the
//! enum and pattern `checks` it shares with parameters and the bounds table
//! in `limits`; `security` (requirements and scheme definitions). The
//! walking modules depend on `context` and the leaves, never on the crate
//! root, so no two modules import each other. A
//! change inside a named component is reported once, at the component's
//! pointer, however many operations reach it. Documents are read as
//! leniently as oasdiff reads them (`lenient`): what is missing but has an
//! obvious meaning is filled in and noted, not refused.

mod bodies;
mod change;
mod checks;
mod context;
pub mod lenient;
mod limits;
mod operations;
mod parameters;
mod resolve;
mod responses;
pub mod rules;
mod schema;
mod security;
mod sunset;
mod view;

pub use crate::change::{Change, DiffError, Level, Role};
use crate::context::Ctx;
use crate::resolve::Resolver;
pub use crate::sunset::Date;

/// Compares two OpenAPI 3.0 documents and judges each change for `role`,
/// sunset dates against today's date (UTC).
///
/// The changes come sorted by path, method, pointer and rule id, document-level
/// changes first.
pub fn diff(old: &serde_json::Value, new: &serde_json::Value, role: Role) -> Result<Vec<Change>, DiffError> {
    diff_documents(old, new, role).map(|diff| diff.changes)
}

/// The changes between two documents, and what had to be filled in to read
/// them.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    /// What a document lacked and how it was read, e.g. "the new document:
    /// GET /m has no `responses`; read as none".
    pub notes: Vec<String>,
}

/// [`diff`], with the notes on what the documents were missing.
pub fn diff_documents(old: &serde_json::Value, new: &serde_json::Value, role: Role) -> Result<Diff, DiffError> {
    diff_documents_as_of(old, new, role, Date::today())
}

/// [`diff_documents`], with sunset dates judged against `today` instead of
/// the system clock's date.
pub fn diff_documents_as_of(
    old: &serde_json::Value,
    new: &serde_json::Value,
    role: Role,
    today: Date,
) -> Result<Diff, DiffError> {
    let mut notes = Vec::new();
    let mut parse = |side, value: &serde_json::Value| {
        let mut value = value.clone();
        notes.extend(lenient::repair(&mut value, side));
        serde_json::from_value::<openapiv3::OpenAPI>(value).map_err(|source| DiffError::Parse { side, source })
    };
    let (old, new) = (parse("old", old)?, parse("new", new)?);
    let mut ctx = Ctx::new(role, Resolver::new(&old, "old"), Resolver::new(&new, "new"), today);
    security::document(&mut ctx);
    security::components(&mut ctx);
    operations::diff(&mut ctx)?;
    Ok(Diff {
        changes: ctx.into_changes(),
        notes,
    })
}

/// One line: `"N changes: E errors, W warnings, I info"`.
pub fn summary(changes: &[Change]) -> String {
    // The wording `cargo xtask regen` reports promise: plural throughout,
    // even for one change.
    let count = |level| changes.iter().filter(|c| c.level == level).count();
    format!(
        "{} changes: {} errors, {} warnings, {} info",
        changes.len(),
        count(Level::Error),
        count(Level::Warning),
        count(Level::Info)
    )
}
