//! Where callbacks are stored.
//!
//! The receiver acknowledges a callback only after [`Store::ingest`] has
//! committed the raw request and the events parsed from it in one
//! transaction, so the trait is the durability boundary of the whole system.
//! It has two backends, chosen by [`open`]'s URL: SQLite (`sqlite:PATH`, the
//! embedded default) and PostgreSQL (`postgres://...`, shared by any number
//! of receiver replicas). In both, dedup is a unique constraint, a message's
//! status moves by one compare-and-set statement driven by
//! [`Status::precedence_key`], and the feed is read by a cursor that a
//! polling consumer can never skip past (PostgreSQL needs commit-ordered
//! feed positions for that; see `postgres/locks.rs`).
//!
//! The crate's shape follows from that: what both backends must do is
//! written once, what differs is written per backend, and dependencies only
//! point from the backends to the shared modules, never back.
//!
//! - `contract`: the [`Store`] trait and the values it takes and gives;
//! - `outbox`: what the outbox (messages sent through smsgate) takes and
//!   gives; `outbox_view`: how a message's view is made from its rows;
//! - `exports`: what each export (events pushed to another service)
//!   keeps: its cursor, its lease, dead letters and replays;
//! - `opt_outs`: who is opted out, folded from STOP/START texts and the
//!   API's changes;
//! - `page`, `rows`: the query API's rules (cursors, pages, quarantined
//!   bodies) and the mapping of result rows to its views, over a small
//!   trait each backend implements for its row type, so that both answer
//!   alike and only the SQL that reads the rows differs;
//! - `search`: what a message search and a statistics window are (checked
//!   inputs); `search_sql`: how both backends answer them: the times each
//!   message row keeps for them, the SQL built from a search's filters,
//!   and the statistics assembled from the rows;
//! - `stats`: the group-commit counters both backends keep;
//! - `sqlite` (one writer thread with group commit, a syncer thread that
//!   flushes the write-ahead log, reader connections) and `postgres` (a
//!   connection pool, group commit in tokio tasks, advisory locks), each a
//!   module with a submodule per concern: opening and migrating, writing,
//!   reading, and how their errors become [`StoreError`]s;
//! - this file: [`open`], which picks the backend from the URL.
//!
//! [`Status::precedence_key`]: smsgate_normalize::Status::precedence_key

mod contract;
pub mod exports;
mod opt_outs;
pub mod outbox;
mod outbox_view;
mod page;
mod postgres;
mod rows;
mod search;
mod search_sql;
mod sqlite;
mod stats;
mod tally;

use std::sync::Arc;

pub use contract::{
    CommitOptions, Ingest, IngestOutcome, Parsed, RawRequest, Store, StoreError, StoredRequest, Submission,
};
pub use postgres::{PostgresOptions, PostgresStore};
pub use search::{BadWindow, DeliveryWindow, MessageSearch};
pub use sqlite::SqliteStore;
pub use stats::CommitStats;

/// `url` as it may be shown or logged: a PostgreSQL password (in the user
/// part or as a `password=` parameter) replaced by `REDACTED`.
pub fn display_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority_end, _) = rest
        .char_indices()
        .find(|(_, c)| matches!(c, '/' | '?'))
        .unwrap_or((rest.len(), ' '));
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:REDACTED@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=REDACTED".to_string(),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// A database URL that no backend here understands.
#[derive(Debug, thiserror::Error)]
#[error("unsupported database URL `{0}`: expected sqlite:PATH (e.g. sqlite:smsgate.db) or postgres://USER@HOST/DB")]
pub struct UnsupportedUrl(pub String);

/// Opens the store a database URL names, running migrations, with its
/// backend's default [`CommitOptions`].
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreOpenError> {
    open_with(url, CommitOptions::defaults_for(url)).await
}

/// Opens the store a database URL names with `options` (group commit, on
/// both backends).
pub async fn open_with(url: &str, options: CommitOptions) -> Result<Arc<dyn Store>, StoreOpenError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        return Ok(Arc::new(
            SqliteStore::open_with(path.trim_start_matches("//"), options).await?,
        ));
    }
    if contract::names_postgres(url) {
        let options = PostgresOptions {
            commit: options,
            ..PostgresOptions::default()
        };
        return Ok(Arc::new(PostgresStore::open_with(url, options).await?));
    }
    Err(UnsupportedUrl(display_url(url)).into())
}

#[derive(Debug, thiserror::Error)]
pub enum StoreOpenError {
    #[error(transparent)]
    Unsupported(#[from] UnsupportedUrl),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::{CommitOptions, display_url};

    #[test]
    fn each_backend_has_the_commit_wait_measured_best_for_it() {
        let wait = |url: &str| CommitOptions::defaults_for(url).commit_wait;
        assert_eq!(wait("sqlite:smsgate.db"), std::time::Duration::ZERO);
        assert_eq!(wait("postgres://u@h/db"), CommitOptions::DEFAULT_POSTGRES_COMMIT_WAIT);
        assert_eq!(wait("postgresql://u@h/db"), CommitOptions::DEFAULT_POSTGRES_COMMIT_WAIT);
        assert_eq!(CommitOptions::default(), CommitOptions::defaults_for("sqlite:x.db"));
    }

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            display_url("postgres://app:s3cret@db.example:5432/sms?sslmode=verify-full"),
            "postgres://app:REDACTED@db.example:5432/sms?sslmode=verify-full"
        );
        assert_eq!(
            display_url("postgresql://app@db/sms?password=s3cret&sslmode=require"),
            "postgresql://app@db/sms?password=REDACTED&sslmode=require"
        );
        assert_eq!(display_url("postgres://app@db/sms"), "postgres://app@db/sms");
        assert_eq!(display_url("sqlite:smsgate.db"), "sqlite:smsgate.db");
    }
}
