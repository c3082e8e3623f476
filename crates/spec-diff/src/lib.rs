//! What changed between two versions of a provider's OpenAPI document, and
//! how much it matters to us.
//!
//! `cargo xtask regen` (DESIGN.md §10) needs to tell an upstream change we can
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
//! their levels per role sit in one table ([`rules`]). Each module walks one
//! part of the documents: `resolve` follows `$ref`s; `operations` pairs paths
//! and methods; `parameters`; `bodies` (request bodies, success responses,
//! media types); `schema` walks properties recursively, with cycle
//! protection, over each schema's flattened `view`, using the enum and
//! pattern `checks` it shares with parameters; `security`. A change inside a
//! named component is reported once, at the component's pointer, however
//! many operations reach it.

mod bodies;
mod checks;
mod operations;
mod parameters;
mod resolve;
pub mod rules;
mod schema;
mod security;
mod view;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::resolve::Resolver;
use crate::rules::Rule;

/// Which side of the API we are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A provider's API: we are the client. We send the requests and
    /// receive the responses.
    Provider,
    /// A provider's callbacks: we are the server. The provider sends the
    /// requests; we send the responses (the acknowledgement).
    Callbacks,
}

/// How bad a change is. Ordered `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        })
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The oasdiff rule id (see [`rules::RULES`]).
    pub id: String,
    pub level: Level,
    /// `"GET /path"`, or empty for a document-level change.
    pub operation: String,
    /// JSON pointer into the new document, or into the old one for removals.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.id, self.level)?;
        if !self.operation.is_empty() {
            write!(f, " {}", self.operation)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why two documents could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("the {side} document is not an OpenAPI 3.0 document: {source}")]
    Parse {
        side: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("the {side} document refers to `{reference}`, which is not one of its components")]
    Reference { side: &'static str, reference: String },
    #[error("the {side} document's reference `{reference}` only leads back to itself")]
    ReferenceCycle { side: &'static str, reference: String },
}

/// Compares two OpenAPI 3.0 documents and judges each change for `role`.
///
/// The changes come sorted by path, method, pointer and rule id, document-level
/// changes first.
pub fn diff(old: &serde_json::Value, new: &serde_json::Value, role: Role) -> Result<Vec<Change>, DiffError> {
    let parse = |side, value: &serde_json::Value| {
        serde_json::from_value::<openapiv3::OpenAPI>(value.clone()).map_err(|source| DiffError::Parse { side, source })
    };
    let (old, new) = (parse("old", old)?, parse("new", new)?);
    let mut ctx = Ctx {
        role,
        old: Resolver::new(&old, "old"),
        new: Resolver::new(&new, "new"),
        found: Vec::new(),
    };
    security::document(&mut ctx);
    operations::diff(&mut ctx)?;
    Ok(finish(ctx.found))
}

/// One line: `"N changes: E errors, W warnings, I info"`.
pub fn summary(changes: &[Change]) -> String {
    // The report's contract wording (DESIGN.md section 10), plural throughout.
    let count = |level| changes.iter().filter(|c| c.level == level).count();
    format!(
        "{} changes: {} errors, {} warnings, {} info",
        changes.len(),
        count(Level::Error),
        count(Level::Warning),
        count(Level::Info)
    )
}

/// The operation a change belongs to; empty method and path for the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OpKey {
    pub path: String,
    pub method: String,
}

impl OpKey {
    fn label(&self) -> String {
        if self.method.is_empty() {
            String::new()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }
}

/// State shared by every part of the walk.
pub(crate) struct Ctx<'a> {
    pub role: Role,
    pub old: Resolver<'a>,
    pub new: Resolver<'a>,
    found: Vec<(OpKey, Change)>,
}

impl Ctx<'_> {
    /// Records a change; `tolerated` says the change is in data we receive
    /// and our generated type absorbs it.
    pub fn emit(&mut self, rule: &Rule, tolerated: bool, op: &OpKey, pointer: String, message: String) {
        let change = Change {
            id: rule.id.to_owned(),
            level: rule.level(self.role, tolerated),
            operation: op.label(),
            pointer,
            message,
        };
        self.found.push((op.clone(), change));
    }
}

/// Sorts, and reports a change found at the same pointer by several
/// operations once, under the first, naming the others.
fn finish(mut found: Vec<(OpKey, Change)>) -> Vec<Change> {
    found.sort_by(|(a, x), (b, y)| (a, &x.pointer, &x.id, &x.message).cmp(&(b, &y.pointer, &y.id, &y.message)));
    let mut out: Vec<(Change, Vec<String>)> = Vec::new();
    for (_, change) in found {
        let same_place = out
            .iter_mut()
            .find(|(c, _)| c.id == change.id && c.pointer == change.pointer);
        if let Some((first, also)) = same_place {
            first.level = first.level.max(change.level);
            if first.operation != change.operation && !also.contains(&change.operation) {
                also.push(change.operation);
            }
            continue;
        }
        // The same finding through another media type of the same body.
        let same_words = out
            .iter()
            .any(|(c, _)| c.id == change.id && c.operation == change.operation && c.message == change.message);
        if !same_words {
            out.push((change, Vec::new()));
        }
    }
    out.into_iter()
        .map(|(mut change, also)| {
            if !also.is_empty() {
                change.message = format!("{} (also in {})", change.message, also.join(", "));
            }
            change
        })
        .collect()
}

/// Escapes one JSON pointer segment.
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
