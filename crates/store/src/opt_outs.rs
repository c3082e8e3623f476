//! Opt-outs, written once for both backends: a number's opt-out state is
//! the latest of the STOP/START texts it sent (any provider) and the
//! changes made through the API; nothing is copied at ingest. Each backend
//! reads the candidate rows (inbound texts matching [`SQLITE_WORDS`] or
//! [`POSTGRES_WORDS`], through
//! a partial index, and the API's changes); this module folds them.

use std::collections::BTreeMap;

use smsgate_normalize::opt_out::{self, Request};
use smsgate_normalize::views::OptOutView;

use crate::rows::Columns;

/// The words, as SQL spells a list of them.
macro_rules! words {
    () => {
        "('STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE', 'START', 'UNSTOP')"
    };
}

/// The inbound texts that may opt in or out, as each backend spells it:
/// the whole text, trimmed of spaces, tabs and line breaks, in upper case,
/// is one of the words. The migrations build a partial index on exactly
/// this predicate (so queries repeat it verbatim, and a test checks the
/// migration holds it); `opt_out::request` then decides what each asks for.
pub(crate) const SQLITE_WORDS: &str = concat!("UPPER(TRIM(text, ' ' || char(9, 10, 13))) IN ", words!());
pub(crate) const POSTGRES_WORDS: &str = concat!("UPPER(BTRIM(text, E' \\t\\n\\r')) IN ", words!());

/// One opt-out or opt-in, from either source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// E.164.
    pub(crate) number: String,
    pub(crate) opted_out: bool,
    pub(crate) at: i64,
    /// `inbound:PROVIDER` or `api`.
    pub(crate) source: String,
}

impl Change {
    /// The change an inbound text makes, if it makes one.
    pub(crate) fn from_inbound(from: &str, text: &str, received_at: i64, provider: &str) -> Option<Change> {
        let request = opt_out::request(text)?;
        Some(Change {
            number: opt_out::e164(from)?,
            opted_out: request == Request::OptOut,
            at: received_at,
            source: format!("inbound:{provider}"),
        })
    }

    /// Which of two changes to one number stands: the later; at the same
    /// time, the API's.
    fn supersedes(&self, other: &Change) -> bool {
        (self.at, self.source == "api") > (other.at, other.source == "api")
    }
}

/// The inbound columns both backends select, in this order.
pub(crate) const INBOUND_COLUMNS: &str = r#""from", text, received_at, provider"#;

/// The API change columns both backends select, in this order.
pub(crate) const API_CHANGES: &str = "SELECT number, opted_out, at, source FROM opt_out_changes";

/// The change an inbound row ([`INBOUND_COLUMNS`]) makes, if it makes one.
pub(crate) fn inbound_change<R: Columns>(row: &R) -> Result<Option<Change>, R::Error> {
    let (from, text) = (row.opt_text(0)?, row.opt_text(1)?);
    let (received_at, provider) = (row.int(2)?, row.text(3)?);
    Ok(from
        .zip(text)
        .and_then(|(from, text)| Change::from_inbound(&from, &text, received_at, &provider)))
}

/// A change made through the API, as [`API_CHANGES`] reads it.
pub(crate) fn stored_api_change<R: Columns>(row: &R) -> Result<Change, R::Error> {
    Ok(Change {
        number: row.text(0)?,
        opted_out: row.flag(1)?,
        at: row.int(2)?,
        source: row.text(3)?,
    })
}

/// A change made through the API.
pub(crate) fn api_change(number: &str, opted_out: bool, at: i64) -> Change {
    Change {
        number: number.to_string(),
        opted_out,
        at,
        source: "api".into(),
    }
}

/// The two spellings an inbound sender may have for an E.164 number.
pub(crate) fn spellings(number: &str) -> [String; 2] {
    [number.to_string(), number.trim_start_matches('+').to_string()]
}

/// The numbers opted out after `changes`, by number.
pub(crate) fn opted_out(changes: impl IntoIterator<Item = Change>) -> Vec<OptOutView> {
    let mut latest: BTreeMap<String, Change> = BTreeMap::new();
    for change in changes {
        match latest.get(&change.number) {
            Some(current) if !change.supersedes(current) => {}
            _ => {
                latest.insert(change.number.clone(), change);
            }
        }
    }
    latest
        .into_values()
        .filter(|change| change.opted_out)
        .map(|change| OptOutView {
            number: change.number,
            since: change.at,
            source: change.source,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbound(from: &str, text: &str, at: i64) -> Change {
        Change::from_inbound(from, text, at, "clickatell").unwrap()
    }

    #[test]
    fn the_latest_change_stands_whatever_its_source() {
        let out = opted_out([inbound("27820000001", "STOP", 1), inbound("+27820000002", "stop", 1)]);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].number.as_str(), out[0].source.as_str()),
            ("+27820000001", "inbound:clickatell")
        );
        let out = opted_out([inbound("27820000001", "STOP", 1), inbound("27820000001", "start", 2)]);
        assert!(out.is_empty());
        let out = opted_out([api_change("+27820000001", true, 3), inbound("27820000001", "START", 2)]);
        assert_eq!(out[0].source, "api");
        assert!(opted_out([inbound("27820000001", "STOP", 5), api_change("+27820000001", false, 5)]).is_empty());
    }

    #[test]
    fn the_sql_predicates_name_every_word() {
        for word in opt_out::OPT_OUT_WORDS.iter().chain(&opt_out::OPT_IN_WORDS) {
            assert!(SQLITE_WORDS.contains(&format!("'{word}'")), "{word}");
            assert!(POSTGRES_WORDS.contains(&format!("'{word}'")), "{word}");
        }
        assert_eq!(Change::from_inbound("ACME", "STOP", 1, "p"), None, "not a number");
    }
}
