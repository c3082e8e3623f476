//! Message search and delivery statistics on SQLite: the statements built
//! by `search_sql.rs` (with `?N` placeholders) run on a reader connection,
//! rows mapped by the shared mappers. Blocking; the caller runs them off
//! the async runtime.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use smsgate_normalize::views::{DeliveryStats, MessageSummary};

use crate::rows;
use crate::search::DeliveryWindow;
use crate::search_sql::{self, Param, Statement, WindowRead};
use crate::tally::WindowTally;

/// SQLite's placeholder for parameter `n`.
pub(super) fn placeholder(n: usize) -> String {
    format!("?{n}")
}

fn values(params: Vec<Param>) -> impl Iterator<Item = Value> {
    params.into_iter().map(|param| match param {
        Param::Text(text) => Value::Text(text),
        Param::Int(int) => Value::Integer(int),
    })
}

/// The messages a search statement finds.
pub(super) fn messages(conn: &Connection, statement: Statement) -> rusqlite::Result<Vec<MessageSummary>> {
    conn.prepare_cached(&statement.sql)?
        .query_map(params_from_iter(values(statement.params)), |row| {
            rows::message_summary(row)
        })?
        .collect()
}

/// The statistics of `window`: its messages read once and tallied here.
pub(super) fn delivery_stats(conn: &mut Connection, window: &DeliveryWindow) -> rusqlite::Result<DeliveryStats> {
    // One snapshot for the choice of read and the read.
    let tx = conn.transaction()?;
    let read = window_read(&tx, window)?;
    let statement = search_sql::window_messages_statement(window, placeholder, read);
    let mut tally = WindowTally::default();
    let mut select = tx.prepare_cached(&statement.sql)?;
    let mut rows = select.query(params_from_iter(values(statement.params)))?;
    while let Some(row) = rows.next()? {
        tally.add(search_sql::window_message(row)?);
    }
    let (counts, latencies) = tally.rows();
    Ok(search_sql::delivery_stats(window, counts, latencies))
}

/// How to read `window`: the whole table when the window spans more than
/// a third of the time between the first and the last message stored
/// (two probes of `messages_first_seen`), taking that the messages are
/// spread over time about evenly. SQLite's own planner, without
/// statistics, always takes the index.
fn window_read(conn: &Connection, window: &DeliveryWindow) -> rusqlite::Result<WindowRead> {
    let (first, last): (Option<i64>, Option<i64>) = conn
        .prepare_cached("SELECT (SELECT MIN(first_seen_at) FROM messages), (SELECT MAX(first_seen_at) FROM messages)")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(WindowRead::FirstSeenIndex);
    };
    let span = last - first + 1;
    let covered = window.until().min(last + 1) - window.since().max(first);
    Ok(if covered * 3 > span {
        WindowRead::WholeTable
    } else {
        WindowRead::FirstSeenIndex
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_over_a_third_of_the_stored_span_reads_the_whole_table() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE messages (first_seen_at INTEGER)")
            .unwrap();
        let window = |since, until| DeliveryWindow::new(Some(since), Some(until), None, None, until).unwrap();
        // Nothing stored: the index, which finds nothing at once.
        assert_eq!(window_read(&conn, &window(0, 900)).unwrap(), WindowRead::FirstSeenIndex);
        conn.execute_batch("INSERT INTO messages VALUES (1000), (1900)")
            .unwrap();
        assert_eq!(window_read(&conn, &window(0, 5000)).unwrap(), WindowRead::WholeTable);
        assert_eq!(window_read(&conn, &window(1500, 1900)).unwrap(), WindowRead::WholeTable);
        assert_eq!(
            window_read(&conn, &window(1500, 1800)).unwrap(),
            WindowRead::FirstSeenIndex
        );
        // Beyond the stored span: nothing of it covered.
        assert_eq!(
            window_read(&conn, &window(2000, 9000)).unwrap(),
            WindowRead::FirstSeenIndex
        );
    }
}
