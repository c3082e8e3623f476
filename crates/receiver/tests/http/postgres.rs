//! The receiver on PostgreSQL (DESIGN.md 6): while the server is gone a
//! callback gets 503 with `Retry-After`, never a 2xx, and once it is back
//! the receiver stores again by itself, the retry once. Runs when
//! SMSGATE_TEST_POSTGRES_URL names a server (as `.ci/run` sets it); the
//! store's own tests cover the backend itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use smsgate_store::{PostgresOptions, PostgresStore};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::routes::*;
use crate::support::{Options, Receiver, one_api_status};

/// Forwards 127.0.0.1:`port` to the PostgreSQL server. `stop` closes
/// every forwarded connection and turns new ones away, as a server going
/// away does; `resume` forwards again. The listener stays bound throughout,
/// so that no other test can take its port meanwhile.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    forwards: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let forwards = Arc::new(std::sync::Mutex::new(Vec::new()));
        let accept = {
            let (down, forwards) = (down.clone(), forwards.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        continue; // dropped: closed at once
                    }
                    let target = target.clone();
                    forwards.lock().unwrap().push(tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    }));
                }
            })
        };
        Proxy {
            port,
            down,
            forwards,
            accept,
        }
    }

    async fn stop(&self) {
        self.down.store(true, Ordering::SeqCst);
        let forwards: Vec<_> = self.forwards.lock().unwrap().drain(..).collect();
        for forward in forwards {
            forward.abort();
            // Once it has ended, both of its sockets are closed.
            let _ = forward.await;
        }
    }

    fn resume(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for forward in self.forwards.lock().unwrap().drain(..) {
            forward.abort();
        }
    }
}

/// A schema of its own, dropped when this is, also after a failure.
struct Schema {
    url: String,
    name: String,
}

impl Schema {
    async fn create(url: &str) -> Schema {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!(
            "smsgate_receiver_test_{}_{}",
            std::process::id(),
            nanos % 1_000_000_000_000
        );
        client.batch_execute(&format!("CREATE SCHEMA {name}")).await.unwrap();
        Schema {
            url: url.to_string(),
            name,
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Its own thread and runtime: this runs inside the test's runtime.
        let _ = std::thread::spawn(move || {
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
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_gone_callbacks_get_503_and_the_receiver_recovers() {
    let Some(url) = std::env::var("SMSGATE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        // Straight to stderr: the test harness captures `eprintln!`.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the receiver's PostgreSQL test (set SMSGATE_TEST_POSTGRES_URL)"
        );
        return;
    };
    let schema = Schema::create(&url).await;
    let config: tokio_postgres::Config = url.parse().unwrap();
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let target = format!("{host}:{}", config.get_ports().first().copied().unwrap_or(5432));
    let proxy = Proxy::start(target).await;
    let proxied = format!(
        "postgres://{}@127.0.0.1:{}/{}",
        config.get_user().unwrap_or("postgres"),
        proxy.port,
        config.get_dbname().unwrap_or("test")
    );
    let store = PostgresStore::open_with(
        &proxied,
        PostgresOptions {
            schema: Some(schema.name.clone()),
            connect_timeout: Duration::from_secs(1),
            call_timeout: Duration::from_secs(3),
            ..PostgresOptions::default()
        },
    )
    .await
    .unwrap();
    let r = Receiver::start_on(Options::default(), Some(Arc::new(store))).await;
    r.post_json(
        ONE_API_STATUS,
        &one_api_status("pg-1", 4, "SENT_TO_SUPPLIER", 1_700_000_000_000),
    )
    .await
    .assert_ack();

    proxy.stop().await;
    let body = one_api_status("pg-2", 5, "DEVICE_ACK", 1_700_000_000_000);
    let reply = r.post_json(ONE_API_STATUS, &body).await;
    reply.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.headers.get(RETRY_AFTER).is_some(), "a Retry-After header");

    proxy.resume();
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    let ids: Vec<_> = r.events().await.iter().map(|e| e["message_id"].clone()).collect();
    assert_eq!(ids, ["pg-1", "pg-2"]);
}
