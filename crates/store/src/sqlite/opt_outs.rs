//! Opt-outs in SQLite: the candidate rows `opt_outs.rs` folds, and the
//! API's changes.

use rusqlite::{Connection, OptionalExtension, Row, params};
use smsgate_normalize::views::OptOutView;

use crate::opt_outs::{Change, SQLITE_WORDS, opted_out, spellings};

fn inbound_change(row: &Row<'_>) -> rusqlite::Result<Option<Change>> {
    let (from, text): (Option<String>, Option<String>) = (row.get(0)?, row.get(1)?);
    let (received_at, provider): (i64, String) = (row.get(2)?, row.get(3)?);
    Ok(from
        .zip(text)
        .and_then(|(from, text)| Change::from_inbound(&from, &text, received_at, &provider)))
}

fn api_change(row: &Row<'_>) -> rusqlite::Result<Change> {
    Ok(Change {
        number: row.get(0)?,
        opted_out: row.get(1)?,
        at: row.get(2)?,
        source: row.get(3)?,
    })
}

/// `number`'s opt-out (E.164), if it is opted out.
pub(super) fn opt_out(conn: &mut Connection, number: &str) -> rusqlite::Result<Option<OptOutView>> {
    let tx = conn.transaction()?;
    let [plus, bare] = spellings(number);
    let inbound = tx
        .prepare_cached(&format!(
            r#"SELECT "from", text, received_at, provider FROM inbound_messages
               WHERE "from" IN (?1, ?2) AND {SQLITE_WORDS} ORDER BY received_at DESC, id DESC LIMIT 1"#
        ))?
        .query_row(params![plus, bare], inbound_change)
        .optional()?
        .flatten();
    let api = tx
        .prepare_cached(
            "SELECT number, opted_out, at, source FROM opt_out_changes WHERE number = ?1 ORDER BY at DESC, id DESC LIMIT 1",
        )?
        .query_row([number], api_change)
        .optional()?;
    tx.commit()?;
    Ok(opted_out(inbound.into_iter().chain(api)).into_iter().next())
}

/// Every opted-out number.
pub(super) fn opt_outs(conn: &mut Connection) -> rusqlite::Result<Vec<OptOutView>> {
    let tx = conn.transaction()?;
    let mut changes: Vec<Change> = tx
        .prepare_cached(&format!(
            r#"SELECT "from", text, received_at, provider FROM inbound_messages WHERE {SQLITE_WORDS}"#
        ))?
        .query_map([], inbound_change)?
        .filter_map(Result::transpose)
        .collect::<rusqlite::Result<_>>()?;
    changes.extend(
        tx.prepare_cached("SELECT number, opted_out, at, source FROM opt_out_changes")?
            .query_map([], api_change)?
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
