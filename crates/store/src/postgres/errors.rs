//! How PostgreSQL's failures become [`StoreError`]s: the ones a provider
//! should retry (answered 503 + Retry-After) are [`StoreError::Unavailable`],
//! the rest [`StoreError::Other`]; and the deadline every store call runs
//! under.

use std::time::Duration;

use deadpool_postgres::PoolError;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use crate::contract::StoreError;

/// Runs `call` under `deadline`; past it, [`StoreError::Unavailable`].
pub(super) async fn within<T>(
    deadline: Duration,
    call: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(deadline, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(format!(
            "PostgreSQL did not answer within {deadline:?}"
        ))),
    }
}

/// Column `idx` of `row`.
pub(super) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, StoreError> {
    row.try_get(idx).map_err(pg_error)
}

/// A failure to get a connection from the pool.
pub(super) fn pool_error(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => pg_error(err),
        PoolError::Timeout(kind) => StoreError::Unavailable(format!("no PostgreSQL connection ({kind:?} timed out)")),
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".into()),
        other => StoreError::Other(format!("connection pool: {other}")),
    }
}

/// Errors the provider should retry (answered 503 + Retry-After) versus the
/// rest: connection trouble, timeouts (statement_timeout's `query_canceled`
/// included), a server shutting down or out of resources, lock conflicts.
pub(super) fn pg_error(err: tokio_postgres::Error) -> StoreError {
    let transient = match err.code() {
        Some(code) => {
            let class = &code.code()[..2];
            matches!(class, "08" | "53" | "57" | "58" | "40" | "55")
                || *code == SqlState::READ_ONLY_SQL_TRANSACTION
                || *code == SqlState::TOO_MANY_CONNECTIONS
        }
        // No SQLSTATE: the connection failed, closed, or timed out (errors
        // converting values are bugs, and say so).
        None => {
            let text = err.to_string();
            err.is_closed()
                || text.starts_with("error connecting")
                || text.starts_with("error communicating")
                || text.starts_with("timeout")
                || text.starts_with("error performing TLS")
                || text.starts_with("unexpected message")
        }
    };
    let text = match err.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => {
            // With its causes (say, "Connection refused").
            let mut text = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text = format!("{text}: {cause_text}");
                }
                source = cause.source();
            }
            text
        }
    };
    if transient {
        StoreError::Unavailable(text)
    } else {
        StoreError::Other(text)
    }
}
