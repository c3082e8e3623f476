//! Message search and delivery statistics on SQLite: the statements built
//! by `search_sql.rs` (with `?N` placeholders) run on a reader connection,
//! rows mapped by the shared mappers. Blocking; the caller runs them off
//! the async runtime.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use smsgate_normalize::views::{DeliveryStats, MessageSummary};

use crate::rows;
use crate::search::DeliveryWindow;
use crate::search_sql::{self, Param, Statement};

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

/// The statistics of `window`, both statements in one snapshot.
pub(super) fn delivery_stats(conn: &mut Connection, window: &DeliveryWindow) -> rusqlite::Result<DeliveryStats> {
    let tx = conn.transaction()?;
    let counts = search_sql::status_counts_statement(window, placeholder);
    let counts = tx
        .prepare_cached(&counts.sql)?
        .query_map(params_from_iter(values(counts.params)), |row| {
            search_sql::status_count(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let latencies = search_sql::latency_by_ranks(window, placeholder);
    let latencies = tx
        .prepare_cached(&latencies.sql)?
        .query_map(params_from_iter(values(latencies.params)), |row| {
            search_sql::latency_row(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(search_sql::delivery_stats(window, counts, latencies))
}
