//! The vocabulary of a diff: which side of the API we are on ([`Role`]), how
//! bad a change is ([`Level`]), one finding ([`Change`]), why two documents
//! could not be compared ([`DiffError`]), the operation a finding belongs
//! to ([`OpKey`]), and how a finding's pointer is spelt ([`escape`]).
//!
//! It imports nothing else of the crate, so every other module can use it
//! without the modules importing each other in a circle.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    /// The oasdiff rule id (see [`crate::rules::RULES`]).
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

/// The operation a change belongs to; empty method and path for the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OpKey {
    pub path: String,
    pub method: String,
}

impl OpKey {
    /// `"GET /path"`, or empty for the document.
    pub fn label(&self) -> String {
        if self.method.is_empty() {
            String::new()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
