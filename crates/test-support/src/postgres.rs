//! The PostgreSQL server the suites run against, and a schema of its own per
//! test so that tests (and other people's test runs) never see each other's
//! rows.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where the PostgreSQL tests run (`.ci/run` sets it).
pub const POSTGRES_URL_VAR: &str = "SMSGATE_TEST_POSTGRES_URL";

/// The test server's URL; unset, `None`, after saying once per test binary
/// that `what` is skipped.
pub fn postgres_url(what: &str) -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                // Straight to stderr: the test harness captures `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: {what} (set {POSTGRES_URL_VAR}, e.g. postgres://postgres@127.0.0.1:5432/test)"
                );
            });
            None
        }
    }
}

/// `host:port` of the server `url` names, to put a proxy in front of it.
pub fn server_address(url: &str) -> String {
    let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_string(),
    };
    format!("{host}:{}", config.get_ports().first().copied().unwrap_or(5432))
}

/// `url`'s user and database, reached through 127.0.0.1:`port` (a proxy).
pub fn url_through(url: &str, port: u16) -> String {
    let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
    format!(
        "postgres://{}@127.0.0.1:{port}/{}",
        config.get_user().unwrap_or("postgres"),
        config.get_dbname().unwrap_or("test")
    )
}

/// A PostgreSQL schema of its own, dropped (with everything in it) when
/// this is dropped, also when the test panicked.
pub struct PgSchema {
    pub url: String,
    pub name: String,
}

static SCHEMAS: AtomicUsize = AtomicUsize::new(0);

impl PgSchema {
    /// Creates `smsgate_test_<pid>_<time>_<n>` on the server `url` names.
    pub async fn create(url: &str) -> PgSchema {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!(
            "smsgate_test_{}_{}_{}",
            std::process::id(),
            nanos % 1_000_000_000_000,
            SCHEMAS.fetch_add(1, Ordering::Relaxed)
        );
        let schema = PgSchema {
            url: url.to_string(),
            name,
        };
        schema
            .client()
            .await
            .batch_execute(&format!("CREATE SCHEMA {}", schema.name))
            .await
            .unwrap();
        schema
    }

    /// A plain connection whose search_path is this schema.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|err| panic!("cannot connect to {}: {err}", self.url));
        tokio::spawn(connection);
        client
            .batch_execute(&format!("SET search_path TO {}", self.name))
            .await
            .unwrap();
        client
    }

    /// `base` (this server, or a proxy in front of it) with this schema as
    /// the search_path, for a process that takes only a URL (`--database`).
    pub fn database_url(&self, base: &str) -> String {
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-c%20search_path%3D{}", self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Its own thread and runtime: drop runs inside or outside one.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                client.batch_execute(&format!("DROP SCHEMA {name} CASCADE")).await
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            let _ = writeln!(std::io::stderr(), "could not drop test schema {}: {err}", self.name);
        }
    }
}
