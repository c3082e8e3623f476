//! Opt-outs in SQLite: the candidate rows `opt_outs.rs` folds, and the
//! API's changes.

use rusqlite::{Connection, OptionalExtension, params};
use smsgate_normalize::views::OptOutView;

use crate::opt_outs::{
    API_CHANGES, Change, INBOUND_COLUMNS, SQLITE_WORDS, inbound_change, opted_out, spellings, stored_api_change,
};

/// `number`'s opt-out (E.164), if it is opted out.
pub(super) fn opt_out(conn: &mut Connection, number: &str) -> rusqlite::Result<Option<OptOutView>> {
    let tx = conn.transaction()?;
    let [plus, bare] = spellings(number);
    let inbound = tx
        .prepare_cached(&format!(
            r#"SELECT {INBOUND_COLUMNS} FROM inbound_messages
               WHERE "from" IN (?1, ?2) AND {SQLITE_WORDS} ORDER BY received_at DESC, id DESC LIMIT 1"#
        ))?
        .query_row(params![plus, bare], |row| inbound_change(row))
        .optional()?
        .flatten();
    let api = tx
        .prepare_cached(&format!(
            "{API_CHANGES} WHERE number = ?1 ORDER BY at DESC, id DESC LIMIT 1"
        ))?
        .query_row([number], |row| stored_api_change(row))
        .optional()?;
    tx.commit()?;
    Ok(opted_out(inbound.into_iter().chain(api)).into_iter().next())
}

/// Every opted-out number.
pub(super) fn opt_outs(conn: &mut Connection) -> rusqlite::Result<Vec<OptOutView>> {
    let tx = conn.transaction()?;
    let mut changes: Vec<Change> = tx
        .prepare_cached(&format!(
            r#"SELECT {INBOUND_COLUMNS} FROM inbound_messages WHERE {SQLITE_WORDS}"#
        ))?
        .query_map([], |row| inbound_change(row))?
        .filter_map(Result::transpose)
        .collect::<rusqlite::Result<_>>()?;
    changes.extend(
        tx.prepare_cached(API_CHANGES)?
            .query_map([], |row| stored_api_change(row))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    tx.commit()?;
    Ok(opted_out(changes))
}

/// Records an opt-out (`opted_out`) or opt-in of `number` made through the API.
pub(super) fn change(conn: &mut Connection, change: &Change) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO opt_out_changes (number, opted_out, at, source) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![change.number, change.opted_out, change.at, change.source])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_repeat_the_predicate_of_the_partial_index() {
        assert!(include_str!("migrations/0003_opt_outs.sql").contains(super::SQLITE_WORDS));
    }
}
