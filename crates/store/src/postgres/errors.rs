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

/// A PostgreSQL error as a [`StoreError`]: [`StoreError::Unavailable`] when
/// [`is_transient`], else [`StoreError::Other`]; its text is the SQLSTATE
/// and the server's message, or the client's error with its causes.
pub(super) fn pg_error(err: tokio_postgres::Error) -> StoreError {
    let transient = is_transient(&err);
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

/// Whether a provider should retry (answered 503 + Retry-After) after `err`,
/// judged by what the error is, never by its message:
/// - the server refused the statement: by its SQLSTATE (see
///   [`is_transient_state`]);
/// - the connection is closed, or an I/O error caused the failure
///   (connecting: refused, unreachable, timed out; reading or writing on
///   the socket): the server is down or the way to it is; a new connection
///   may well work. (tokio-postgres gives the same kind of cause to the
///   rare failures to encode a request or parse a response, a value over
///   2 GiB say; they count as transient too.);
/// - an error with no cause at all: the server broke the protocol (an
///   unexpected message), the same. (A wrong number of parameters or rows
///   would land here too; the store's fixed statements never make one.);
/// - a TLS handshake that rustls refused (a certificate that does not
///   verify against the roots, or not for the host): the settings or the
///   server's certificate must change first. Retrying changes nothing;
/// - any other cause is this side's: a value that does not convert, TLS the
///   server does not offer when the URL requires it, an invalid
///   configuration. Retrying changes nothing.
fn is_transient(err: &tokio_postgres::Error) -> bool {
    if let Some(state) = err.code() {
        return is_transient_state(state);
    }
    if err.is_closed() {
        return true;
    }
    match std::error::Error::source(err) {
        None => true,
        Some(cause) => cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| !io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>())),
    }
}

/// The SQLSTATE classes worth a retry: `08` connection exception, `40`
/// transaction rollback (serialization failure, deadlock), `53`
/// insufficient resources (disk full, out of memory, too many
/// connections), `55` object not in prerequisite state (lock not
/// available), `57` operator intervention (statement_timeout's
/// query_canceled, admin or crash shutdown, cannot connect now), `58`
/// system error (I/O); and `25006`, a read-only transaction (a standby, say
/// during a failover).
fn is_transient_state(state: &SqlState) -> bool {
    const CLASSES: [&str; 6] = ["08", "40", "53", "55", "57", "58"];
    CLASSES.contains(&&state.code()[..2]) || *state == SqlState::READ_ONLY_SQL_TRANSACTION
}

/// The classification of real errors: from a real server (statements it
/// refuses, conflicts, a backend it terminates), from connecting (refused,
/// TLS the connector cannot do, a peer that breaks the protocol) and from a
/// real pool. Those that need the server are skipped, saying so, without
/// SMSGATE_TEST_POSTGRES_URL.
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
    use smsgate_test_support::postgres::{PgSchema, postgres_url};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio_postgres::{Client, NoTls};

    use super::*;

    fn url() -> Option<String> {
        postgres_url("the PostgreSQL error classification tests")
    }

    async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// What `err` becomes, and its text: "Unavailable: ..." or "Other: ...".
    fn classified(err: tokio_postgres::Error) -> String {
        describe(pg_error(err))
    }

    fn describe(error: StoreError) -> String {
        match error {
            StoreError::Unavailable(text) => format!("Unavailable: {text}"),
            StoreError::Other(text) => format!("Other: {text}"),
            StoreError::BadCursor(text) => format!("BadCursor: {text}"),
        }
    }

    #[tokio::test]
    async fn statements_the_server_refuses_are_not_transient() {
        let Some(url) = url() else { return };
        let client = connect(&url).await.unwrap();
        let syntax = client.batch_execute("SELEC 1").await.unwrap_err();
        assert!(classified(syntax).starts_with("Other: 42601"));
        client
            .batch_execute("CREATE TEMP TABLE t (k int PRIMARY KEY); INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let duplicate = client.batch_execute("INSERT INTO t VALUES (1)").await.unwrap_err();
        assert!(classified(duplicate).starts_with("Other: 23505"));
        // A value this program reads as the wrong type.
        let row = client.query_one("SELECT 'text'", &[]).await.unwrap();
        let conversion = row.try_get::<_, i64>(0).unwrap_err();
        assert!(classified(conversion).starts_with("Other: "));
    }

    #[tokio::test]
    async fn timeouts_and_conflicts_with_other_transactions_are_transient() {
        let Some(url) = url() else { return };
        let schema = PgSchema::create(&url).await;
        let (a, b) = (schema.client().await, schema.client().await);
        a.batch_execute("CREATE TABLE t (k int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)")
            .await
            .unwrap();
        // statement_timeout: 57014 query_canceled.
        let timeout = a
            .batch_execute("SET statement_timeout = 50; SELECT pg_sleep(5)")
            .await
            .unwrap_err();
        assert!(classified(timeout).starts_with("Unavailable: 57014"));
        a.batch_execute("RESET statement_timeout").await.unwrap();
        // A row lock held elsewhere, not waited for: 55P03 lock_not_available.
        a.batch_execute("BEGIN; SELECT * FROM t FOR UPDATE").await.unwrap();
        let nowait = b.batch_execute("SELECT * FROM t FOR UPDATE NOWAIT").await.unwrap_err();
        assert!(classified(nowait).starts_with("Unavailable: 55P03"));
        // A row updated since this snapshot: 40001 serialization_failure.
        b.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT * FROM t")
            .await
            .unwrap();
        a.batch_execute("UPDATE t SET v = 1; COMMIT").await.unwrap();
        let serialization = b.batch_execute("UPDATE t SET v = 2").await.unwrap_err();
        assert!(classified(serialization).starts_with("Unavailable: 40001"));
    }

    #[tokio::test]
    async fn a_terminated_backend_and_its_closed_connection_are_transient() {
        let Some(url) = url() else { return };
        let (victim, admin) = (connect(&url).await.unwrap(), connect(&url).await.unwrap());
        let pid: i32 = victim.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
        let sleeping = tokio::spawn(async move {
            let result = victim.batch_execute("SELECT pg_sleep(30)").await;
            (victim, result)
        });
        // Until the victim's statement is running, then terminate it.
        loop {
            let row = admin
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep(30)%' AND state = 'active'",
                    &[&pid],
                )
                .await
                .unwrap();
            if row.get::<_, i64>(0) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        admin
            .query_one("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
        let (victim, result) = sleeping.await.unwrap();
        // 57P01 admin_shutdown.
        assert!(classified(result.unwrap_err()).starts_with("Unavailable: 57P01"));
        // Then the connection is gone.
        let closed = victim.batch_execute("SELECT 1").await.unwrap_err();
        assert!(closed.is_closed(), "{closed:?}");
        assert!(classified(closed).starts_with("Unavailable: "));
    }

    #[tokio::test]
    async fn a_refused_connection_is_transient() {
        // Nothing listens on a port just released.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let refused = connect(&format!("postgres://postgres@127.0.0.1:{port}/test"))
            .await
            .unwrap_err();
        let text = classified(refused);
        assert!(text.starts_with("Unavailable: ") && text.contains("refused"), "{text}");
    }

    /// A connector without TLS (`NoTls`) and a URL that requires it: it can
    /// never connect, however often it is retried, so it is a configuration
    /// error, not an outage. (A certificate rustls refuses is the same; the
    /// store's TLS tests show it through `smsgate_store::open`.)
    #[tokio::test]
    async fn tls_the_connector_cannot_do_is_not_transient() {
        let Some(url) = url() else { return };
        let separator = if url.contains('?') { '&' } else { '?' };
        let tls = connect(&format!("{url}{separator}sslmode=require")).await.unwrap_err();
        let text = classified(tls);
        assert!(text.starts_with("Other: "), "{text}");
    }

    /// A peer that answers the startup message out of protocol (here with
    /// ReadyForQuery before any authentication): the conversation is broken,
    /// not the request, so a retry on a new connection may well succeed.
    #[tokio::test]
    async fn a_server_breaking_the_protocol_is_transient() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut startup = [0u8; 256];
            let _ = socket.read(&mut startup).await.unwrap();
            socket.write_all(b"Z\0\0\0\x05I").await.unwrap();
            // Held open until the client has read the answer.
            let _ = socket.read(&mut startup).await;
        });
        let unexpected = connect(&format!("postgres://postgres@127.0.0.1:{port}/test"))
            .await
            .unwrap_err();
        let text = classified(unexpected);
        assert!(text.starts_with("Unavailable: unexpected message"), "{text}");
        peer.abort();
    }

    fn pool(url: &str, size: usize) -> Pool {
        let config: tokio_postgres::Config = url.parse().unwrap();
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_millis(50)))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_pool_that_cannot_hand_out_a_connection_is_unavailable() {
        let Some(url) = url() else { return };
        let busy = pool(&url, 1);
        let _held = busy.get().await.unwrap();
        let waited = describe(pool_error(busy.get().await.unwrap_err()));
        assert!(
            waited.starts_with("Unavailable: no PostgreSQL connection (Wait"),
            "{waited}"
        );
        busy.close();
        let closed = describe(pool_error(busy.get().await.unwrap_err()));
        assert!(closed.starts_with("Unavailable: "), "{closed}");
        // Connecting fails: the backend's own error, classified as above.
        let separator = if url.contains('?') { '&' } else { '?' };
        let tls = pool(&format!("{url}{separator}sslmode=require"), 1);
        let refused = describe(pool_error(tls.get().await.unwrap_err()));
        assert!(refused.starts_with("Other: "), "{refused}");
    }
}
