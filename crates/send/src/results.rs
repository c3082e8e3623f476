//! The results file of a CSV run: one JSON object per line, appended and
//! flushed to disk as the run goes, so that a re-run knows which rows were
//! accepted and never sends them again.
//!
//! Before a request goes, each of its rows is written as `sending`; when the
//! answer comes, as `accepted`, `rejected`, `failed` (certainly not sent) or
//! `uncertain` (may have been sent: a timeout, an unreadable answer). A row
//! whose last record is `sending` or `uncertain` was interrupted or unclear:
//! a re-run holds it back unless told to resend it, because the provider
//! may have accepted it already.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Sending,
    Accepted,
    Rejected,
    Failed,
    Uncertain,
}

/// One line of the results file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The row's key (see [`crate::rows::Row::key`]).
    pub key: String,
    /// The row's line in the CSV when this was written.
    pub line: u64,
    pub to: String,
    pub state: State,
    /// The provider id (`clickatell`, `clearline`).
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds since the epoch.
    pub at: i64,
}

/// The results file, open for appending, with each row's last record.
#[derive(Debug)]
pub struct Results {
    path: PathBuf,
    file: File,
    last: HashMap<String, Record>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot use results file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(
        "results file {path}, line {line}, is not a results record ({problem}): expected the JSON lines smsgate send writes"
    )]
    Corrupt { path: String, line: usize, problem: String },
}

/// `FILE.csv` -> `FILE.csv.results.jsonl`, next to it.
pub fn default_path(csv: &Path) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".results.jsonl");
    PathBuf::from(name)
}

impl Results {
    /// Opens (creating) the file and reads what earlier runs recorded. A
    /// last line cut short by a crash is cut off (its row's `sending`
    /// record, written before, still holds it back).
    pub fn open(path: &Path) -> Result<Results, ResultsError> {
        let io = |source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let mut last = HashMap::new();
        let mut lines = Vec::new();
        for line in BufReader::new(&file).lines() {
            lines.push(line.map_err(io)?);
        }
        let complete = ends_with_newline(&mut file).map_err(io)?;
        let mut torn = None;
        for (at, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(line) {
                Ok(record) => {
                    last.insert(record.key.clone(), record);
                }
                Err(_) if at + 1 == lines.len() && !complete => torn = Some(line.len() as u64),
                Err(problem) => {
                    return Err(ResultsError::Corrupt {
                        path: path.display().to_string(),
                        line: at + 1,
                        problem: problem.to_string(),
                    });
                }
            }
        }
        match torn {
            // Cut the torn line off, so that the next record starts clean.
            Some(torn) => file.set_len(file.metadata().map_err(io)?.len() - torn).map_err(io)?,
            None if !complete => file.write_all(b"\n").map_err(io)?,
            None => {}
        }
        Ok(Results {
            path: path.to_path_buf(),
            file,
            last,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The row's last recorded state, if an earlier run got to it.
    pub fn state(&self, key: &str) -> Option<State> {
        self.last(key).map(|record| record.state)
    }

    /// The row's last record, if an earlier run got to it.
    pub fn last(&self, key: &str) -> Option<&Record> {
        self.last.get(key)
    }

    /// Appends the records and flushes them to disk before returning.
    pub fn append(&mut self, records: &[Record]) -> Result<(), ResultsError> {
        let mut text = String::new();
        for record in records {
            text.push_str(&serde_json::to_string(record).expect("a record serializes"));
            text.push('\n');
        }
        let io = |source| ResultsError::Io {
            path: self.path.display().to_string(),
            source,
        };
        self.file.write_all(text.as_bytes()).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        for record in records {
            self.last.insert(record.key.clone(), record.clone());
        }
        Ok(())
    }
}

fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, state: State) -> Record {
        Record {
            key: key.into(),
            line: 2,
            to: "+27820000001".into(),
            state,
            provider: "clickatell".into(),
            message_id: None,
            error: None,
            at: 0,
        }
    }

    #[test]
    fn the_last_record_of_a_row_wins_across_reopens_and_a_torn_line_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut results = Results::open(&path).unwrap();
        results
            .append(&[record("a", State::Sending), record("b", State::Sending)])
            .unwrap();
        results.append(&[record("a", State::Accepted)]).unwrap();
        drop(results);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"key":"b","line":3,"to":"+2"#).unwrap();
        drop(file);
        let mut results = Results::open(&path).unwrap();
        assert_eq!(results.state("a"), Some(State::Accepted));
        assert_eq!(results.state("b"), Some(State::Sending));
        assert_eq!(results.state("c"), None);
        results.append(&[record("c", State::Rejected)]).unwrap();
        assert_eq!(Results::open(&path).unwrap().state("c"), Some(State::Rejected));
    }

    #[test]
    fn a_corrupt_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        std::fs::write(&path, "not json\n").unwrap();
        let error = Results::open(&path).unwrap_err().to_string();
        assert!(error.contains("line 1, is not a results record"), "{error}");
        assert_eq!(default_path(Path::new("d/m.csv")), Path::new("d/m.csv.results.jsonl"));
    }
}
