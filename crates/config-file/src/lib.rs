//! A configuration file's mistakes, named by file and line.
//!
//! Several crates read their own tables of the one `--config` file
//! (`[providers]` and `[[routes]]` the dispatcher, `[[exports]]` the
//! exports), each checking them at start-up; they share this crate so that
//! every mistake reads the same way (`smsgate.toml, line 7: ...`) and the
//! file is read, and a byte offset turned into a line, in one place. It
//! knows no TOML: the readers pass the byte spans their parser gives.

use std::ops::Range;
use std::path::Path;

/// A configuration that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// A configuration file's text, with the name its errors give it.
#[derive(Debug, Clone, Copy)]
pub struct ConfigText<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl ConfigText<'_> {
    /// The mistake `message`, at the line holding `span`'s start (when known).
    pub fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            line: span.map(|span| line_of(self.text, span.start)),
            message: message.into(),
        }
    }
}

/// Reads the file at `path`: its name as errors give it, and its text.
pub fn read(path: &Path) -> Result<(String, String), ConfigError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((file, text)),
        Err(e) => Err(ConfigError {
            file,
            line: None,
            message: format!("cannot read it: {e}"),
        }),
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistake_names_its_file_and_line() {
        let text = ConfigText {
            file: "smsgate.toml",
            text: "a = 1\n\nb = 2\n",
        };
        assert_eq!(
            text.error(Some(7..12), "b is wrong").to_string(),
            "smsgate.toml, line 3: b is wrong"
        );
        assert_eq!(text.error(None, "no b").to_string(), "smsgate.toml: no b");
        assert_eq!(text.error(Some(0..1), "a").line, Some(1));
    }

    #[test]
    fn a_file_that_cannot_be_read_says_so() {
        let error = read(Path::new("/nonexistent/smsgate.toml")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/smsgate.toml: cannot read it: "),
            "{error}"
        );
    }
}
