//! The query API's paging and quarantine rules, which every backend applies
//! alike (DESIGN.md section 7): only the SQL that reads the rows differs.

use base64::Engine;

use crate::StoreError;

/// A feed cursor: a feed `seq` in decimal. Anything else is a bad cursor
/// (`+1`, `-1`, ` 1` included), so that cursors stay one spelling per
/// position. `None` is the start, spelled `"0"`.
pub(crate) fn parse_cursor(after: Option<&str>) -> Result<(i64, String), StoreError> {
    match after {
        None => Ok((0, "0".to_string())),
        Some(text) => {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(StoreError::BadCursor(text.to_string()));
            }
            let seq = text
                .parse::<i64>()
                .map_err(|_| StoreError::BadCursor(text.to_string()))?;
            Ok((seq, text.to_string()))
        }
    }
}

/// A cursor past every seq ever handed out cannot come from this store (say,
/// the database was replaced): answering "nothing new" would make the
/// consumer silently skip everything committed later.
pub(crate) fn refuse_cursor_from_the_future(after: i64, newest: i64, text: &str) -> Result<(), StoreError> {
    if after > newest {
        Err(StoreError::BadCursor(text.to_string()))
    } else {
        Ok(())
    }
}

/// A page size as SQL wants it.
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A quarantined body as the query API shows it: the text when it is UTF-8,
/// else base64.
pub(crate) fn body_text(body: Vec<u8>) -> String {
    match String::from_utf8(body) {
        Ok(text) => text,
        Err(err) => base64::engine::general_purpose::STANDARD.encode(err.as_bytes()),
    }
}
