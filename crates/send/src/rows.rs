//! The CSV of many messages: `to,text` and optionally `from` and
//! `client_message_id`, with a header row. Each row gets a key that
//! identifies it across runs, so that a re-run can skip what was accepted.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::message::{Outgoing, check_number};

/// One message of the CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// Identifies the row across runs: `id:` and its `client_message_id`
    /// when it has one; otherwise a digest of its to, from and text, and
    /// which occurrence of that same message in the file it is (`#1`, `#2`):
    /// inserting, deleting or reordering other rows changes no key.
    pub key: String,
    pub message: Outgoing,
}

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: csv::Error },
    #[error("{path}: the header row {problem}; expected the columns to,text and optionally from,client_message_id")]
    Header { path: String, problem: String },
    #[error("{path}, line {line}, column {column}: {problem}")]
    Row {
        path: String,
        line: u64,
        column: &'static str,
        problem: String,
    },
    #[error("{path}: no messages after the header row")]
    Empty { path: String },
}

const COLUMNS: [&str; 4] = ["to", "text", "from", "client_message_id"];

/// Reads and checks every row before anything is sent.
pub fn read_csv(path: &Path) -> Result<Vec<Row>, CsvError> {
    let shown = path.display().to_string();
    let read_error = |source| CsvError::Read {
        path: shown.clone(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_path(path)
        .map_err(read_error)?;
    let headers = reader.headers().map_err(read_error)?.clone();
    let header_error = |problem: String| CsvError::Header {
        path: shown.clone(),
        problem,
    };
    let mut index = HashMap::new();
    for (at, name) in headers.iter().enumerate() {
        if !COLUMNS.contains(&name) {
            return Err(header_error(format!("has an unknown column `{name}`")));
        }
        if index.insert(name, at).is_some() {
            return Err(header_error(format!("names column `{name}` twice")));
        }
    }
    for required in ["to", "text"] {
        if !index.contains_key(required) {
            return Err(header_error(format!("has no `{required}` column")));
        }
    }
    let mut rows = Vec::new();
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(read_error)?;
        let line = record.position().map_or(0, |position| position.line());
        let row_error = |column: &'static str, problem: String| CsvError::Row {
            path: shown.clone(),
            line,
            column,
            problem,
        };
        let field = |column: &'static str| {
            index
                .get(column)
                .and_then(|&at| record.get(at))
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        };
        let to = field("to").ok_or_else(|| row_error("to", "is empty: expected the recipient's number".into()))?;
        check_number(&to).map_err(|e| row_error("to", e.to_string()))?;
        let text = index
            .get("text")
            .and_then(|&at| record.get(at))
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| row_error("text", "is empty: expected the message text".into()))?
            .to_string();
        let from = field("from");
        if let Some(from) = &from {
            check_number(from).map_err(|e| row_error("from", e.to_string()))?;
        }
        let client_message_id = field("client_message_id");
        let key = match &client_message_id {
            Some(id) => {
                if let Some(first) = ids.insert(id.clone(), line) {
                    return Err(row_error(
                        "client_message_id",
                        format!("`{id}` is already the id of line {first}: expected a unique id per row"),
                    ));
                }
                format!("id:{id}")
            }
            None => {
                let digest = content_digest(&to, from.as_deref(), &text);
                let occurrence = occurrences.entry(digest.clone()).or_default();
                *occurrence += 1;
                format!("sha256:{digest}#{occurrence}")
            }
        };
        rows.push(Row {
            line,
            key,
            message: Outgoing {
                to,
                text,
                from,
                client_message_id,
            },
        });
    }
    if rows.is_empty() {
        return Err(CsvError::Empty { path: shown });
    }
    Ok(rows)
}

/// The first 128 bits of SHA-256 over the fields, each length-prefixed so
/// that no two different rows share an input.
fn content_digest(to: &str, from: Option<&str>, text: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [to, from.unwrap_or(""), text] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Row>, CsvError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, text).unwrap();
        read_csv(&path)
    }

    #[test]
    fn keys_survive_other_rows_moving_and_tell_repeats_apart() {
        let rows = read("to,text\n+27820000001,hi\n+27820000002,hi\n+27820000001,hi\n").unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
        assert!(rows[0].key.ends_with("#1") && rows[2].key.ends_with("#2"));
        assert_eq!(rows[0].key.trim_end_matches("#1"), rows[2].key.trim_end_matches("#2"));
        let moved = read("to,text\n+27820000002,hi\n+27820000001,hi\n").unwrap();
        assert_eq!(moved[1].key, rows[0].key);
        assert_eq!(moved[0].key, rows[1].key);
        let with_id = read("client_message_id,to,text\nabc,+27820000001,hi\n").unwrap();
        assert_eq!(with_id[0].key, "id:abc");
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let error = read("to,text\n+27820000001,hi\nnot-a-number,hi\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 3, column to: `not-a-number` is not a phone number"),
            "{error}"
        );
        let error = read("to,text\n+27820000001,\n").unwrap_err().to_string();
        assert!(error.contains("line 2, column text: is empty"), "{error}");
        let error = read("to,body\n").unwrap_err().to_string();
        assert!(error.contains("unknown column `body`"), "{error}");
        let error = read("text\nhi\n").unwrap_err().to_string();
        assert!(error.contains("no `to` column"), "{error}");
        let error = read("to,text,client_message_id\n+27820000001,a,x\n+27820000002,b,x\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 3, column client_message_id: `x` is already the id of line 2"),
            "{error}"
        );
        assert!(read("to,text\n").unwrap_err().to_string().contains("no messages"));
    }
}
