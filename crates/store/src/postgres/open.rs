//! Opening a PostgreSQL store: the connection settings (TLS, server-side
//! statement timeout, connect timeout, schema, keepalives), the pool, and
//! the migrations.
//!
//! Migrations (`migrations/`) run at open in one transaction under an
//! advisory lock, so replicas starting together apply them once; the
//! version is kept in `smsgate_schema_version`.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use super::errors::{get, pg_error, pool_error, within};
use super::locks::{MIGRATION_LOCK, SELECT_MESSAGE_LOCK_CLASS};
use super::tls::TlsSettings;
use crate::contract::{CommitOptions, StoreError};

/// Migrations in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_outbox.sql"),
    include_str!("migrations/0003_opt_outs.sql"),
    include_str!("migrations/0004_reroute.sql"),
    include_str!("migrations/0005_pacing.sql"),
    include_str!("migrations/0006_exports.sql"),
    include_str!("migrations/0007_message_search.sql"),
];

/// The schema version the migrations bring a database to.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How a [`PostgresStore`](super::PostgresStore) connects; [`Default`] is
/// what the receiver uses.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Server-side limit for one statement (`statement_timeout`), unless
    /// the URL's `options` set one.
    pub statement_timeout: Duration,
    /// Limit for opening a connection, unless the URL sets `connect_timeout`.
    pub connect_timeout: Duration,
    /// Limit for one store call as a whole (waiting for a connection
    /// included); past it the call fails with [`StoreError::Unavailable`].
    pub call_timeout: Duration,
    /// Connections in the pool.
    pub pool_size: usize,
    /// Schema to use (`search_path`), when not the database's default.
    pub schema: Option<String>,
    /// Group commit: most ingests in one transaction, longest wait for more.
    pub commit: CommitOptions,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            statement_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(15),
            pool_size: 16,
            schema: None,
            commit: CommitOptions {
                commit_wait: CommitOptions::DEFAULT_POSTGRES_COMMIT_WAIT,
                ..CommitOptions::default()
            },
        }
    }
}

/// A migrated database, ready for a store.
pub(super) struct Opened {
    pub pool: Pool,
    /// The first key of message locks (see [`SELECT_MESSAGE_LOCK_CLASS`]).
    pub message_lock_class: i32,
}

/// Builds the pool for the database `url` names, runs the migrations it
/// lacks and reads the message lock class.
pub(super) async fn open(url: &str, options: &PostgresOptions) -> Result<Opened, StoreError> {
    let (tls, url) = TlsSettings::from_url(url).map_err(StoreError::Other)?;
    let pool = pool(&url, options, &tls)?;
    // The first connection: a refused or unverified TLS handshake shows
    // here, and the error says which TLS settings were in force.
    within(options.call_timeout, migrate(&pool))
        .await
        .map_err(|error| with_tls_settings(error, &tls))?;
    let oid: i64 = within(options.call_timeout, async {
        let row = pool
            .get()
            .await
            .map_err(pool_error)?
            .query_one(SELECT_MESSAGE_LOCK_CLASS, &[])
            .await
            .map_err(pg_error)?;
        get(&row, 0)
    })
    .await?;
    // An OID is 32 bits unsigned; the key is the same bits signed.
    let message_lock_class = oid as u32 as i32;
    Ok(Opened {
        pool,
        message_lock_class,
    })
}

/// `error` saying which TLS settings were in force.
fn with_tls_settings(error: StoreError, tls: &TlsSettings) -> StoreError {
    match error {
        StoreError::Unavailable(text) => StoreError::Unavailable(format!("{text} ({})", tls.describe())),
        StoreError::Other(text) => StoreError::Other(format!("{text} ({})", tls.describe())),
        cursor @ StoreError::BadCursor(_) => cursor,
    }
}

/// The connection pool, every connection with the store's settings.
fn pool(url: &str, options: &PostgresOptions, tls: &TlsSettings) -> Result<Pool, StoreError> {
    let mut config =
        tokio_postgres::Config::from_str(url).map_err(|err| StoreError::Other(format!("bad PostgreSQL URL: {err}")))?;
    // The URL's own settings win: its `options` (say, a
    // statement_timeout of its own) and its `connect_timeout`.
    let mut server_options = config.get_options().unwrap_or_default().to_string();
    if !server_options.contains("statement_timeout") {
        server_options.push_str(&format!(
            " -c statement_timeout={}",
            options.statement_timeout.as_millis().max(1)
        ));
    }
    if let Some(schema) = &options.schema {
        if schema.is_empty() || !schema.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(StoreError::Other(format!("unsupported schema name `{schema}`")));
        }
        server_options.push_str(&format!(" -c search_path={schema}"));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    config
        .options(server_options.trim())
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30));
    if config.get_application_name().is_none() {
        config.application_name("smsgate");
    }
    let manager = Manager::from_config(
        config,
        tls.connector().map_err(StoreError::Other)?,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(options.pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.call_timeout))
        .create_timeout(Some(options.connect_timeout))
        .recycle_timeout(Some(options.connect_timeout))
        .build()
        .map_err(|err| StoreError::Other(format!("cannot build the connection pool: {err}")))
}

/// Applies the migrations the database lacks (see the module docs).
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_error)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS smsgate_schema_version (version INTEGER NOT NULL)")
        .await
        .map_err(pg_error)?;
    let version: i32 = tx
        .query_opt("SELECT version FROM smsgate_schema_version", &[])
        .await
        .map_err(pg_error)?
        .map_or(Ok(0), |row| row.try_get(0))
        .map_err(pg_error)?;
    let known = MIGRATIONS.len() as i32;
    if !(0..=known).contains(&version) {
        return Err(StoreError::Other(format!(
            "the database has schema version {version}, this smsgate knows versions up to {known}"
        )));
    }
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.batch_execute(sql).await.map_err(pg_error)?;
    }
    if version < known {
        tx.execute("DELETE FROM smsgate_schema_version", &[])
            .await
            .map_err(pg_error)?;
        tx.execute("INSERT INTO smsgate_schema_version (version) VALUES ($1)", &[&known])
            .await
            .map_err(pg_error)?;
    }
    tx.commit().await.map_err(pg_error)
}
