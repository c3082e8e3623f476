//! Message search and delivery statistics on PostgreSQL: the statements
//! built by `search_sql.rs` (with `$N` placeholders), rows mapped by the
//! shared mappers. The statistics read both statements in one
//! `REPEATABLE READ` snapshot, the percentiles by `percentile_disc`.

use deadpool_postgres::Pool;
use smsgate_normalize::views::{DeliveryStats, MessageSummary};
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Row};

use super::errors::{pg_error, pool_error};
use crate::contract::StoreError;
use crate::rows;
use crate::search::{DeliveryWindow, MessageSearch};
use crate::search_sql::{self, Param, Statement};

/// PostgreSQL's placeholder for parameter `n`.
fn placeholder(n: usize) -> String {
    format!("${n}")
}

fn values(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|param| match param {
            Param::Text(text) => text as &(dyn ToSql + Sync),
            Param::Int(int) => int as &(dyn ToSql + Sync),
        })
        .collect()
}

async fn query(client: &deadpool_postgres::Transaction<'_>, statement: &Statement) -> Result<Vec<Row>, StoreError> {
    let prepared = client.prepare_cached(&statement.sql).await.map_err(pg_error)?;
    client
        .query(&prepared, &values(&statement.params))
        .await
        .map_err(pg_error)
}

/// The messages `search` finds (a page, and one more message if there is one).
pub(super) async fn messages(pool: &Pool, search: &MessageSearch) -> Result<Vec<MessageSummary>, StoreError> {
    let statement = search_sql::search_statement(search, placeholder)?;
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    let rows = query(&tx, &statement).await?;
    rows.iter().map(rows::message_summary).collect()
}

/// The statistics of `window`.
pub(super) async fn delivery_stats(pool: &Pool, window: &DeliveryWindow) -> Result<DeliveryStats, StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_error)?;
    // A window's delays are sorted in memory rather than spilled to disk
    // (a million take about 80 MB); a plan this simple gains nothing from
    // JIT compilation, which took longer than the sorts.
    tx.batch_execute("SET LOCAL work_mem = '128MB'; SET LOCAL jit = off")
        .await
        .map_err(pg_error)?;
    let counts = query(&tx, &search_sql::status_counts_statement(window, placeholder)).await?;
    let counts = counts
        .iter()
        .map(search_sql::status_count)
        .collect::<Result<Vec<_>, _>>()?;
    let latencies = query(&tx, &search_sql::latency_by_percentile_disc(window, placeholder)).await?;
    let latencies = latencies
        .iter()
        .map(search_sql::latency_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(search_sql::delivery_stats(window, counts, latencies))
}
