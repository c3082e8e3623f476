//! `Unavailable` (503 upstream) when the server is unreachable or a
//! statement too slow, with nothing stored, and recovery once the server is
//! back.

use std::time::Duration;

use smsgate_normalize::{Provider, Status};
use smsgate_store::{PostgresOptions, PostgresStore, Store, StoreError};
use smsgate_test_support::postgres::{server_address, url_through};
use smsgate_test_support::proxy::FaultProxy;
use tokio::net::TcpListener;

use crate::message_ids;
use crate::support::*;

fn quick(schema: &PgSchema) -> PostgresOptions {
    PostgresOptions {
        connect_timeout: Duration::from_secs(1),
        call_timeout: Duration::from_secs(3),
        ..schema.options()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_server_is_unavailable_and_the_store_recovers_when_it_is_back() {
    let Some(url) = postgres_url() else { return };
    // Nothing listens on a port just released.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let result = PostgresStore::open(&format!("postgres://postgres@127.0.0.1:{closed}/test")).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{:?}", result.err());

    // A store that worked, then lost its server, then got it back.
    let schema = PgSchema::create(&url).await;
    let proxy = FaultProxy::start(server_address(&url)).await;
    let proxied = url_through(&url, proxy.port);
    let store = PostgresStore::open_with(&proxied, quick(&schema)).await.unwrap();
    ingest_events(&store, vec![event("before", Status::Sent, None)]).await;

    proxy.stop().await;
    for message_id in ["down-1", "down-2"] {
        let result = store
            .ingest(ingest_of(vec![event(message_id, Status::Sent, None)], Vec::new()))
            .await;
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    }
    assert!(matches!(store.events(None, 10).await, Err(StoreError::Unavailable(_))));

    proxy.resume();
    ingest_events(&store, vec![event("after", Status::Sent, None)]).await;
    let page = store.events(None, 10).await.unwrap();
    assert_eq!(message_ids(&page), ["before", "after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_statement_past_the_timeout_is_unavailable_and_nothing_is_stored() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = PostgresStore::open_with(
        &url,
        PostgresOptions {
            statement_timeout: Duration::from_millis(300),
            ..quick(&schema)
        },
    )
    .await
    .unwrap();
    // Another session holds a lock the ingest needs, past the timeout.
    let blocker = schema.client().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE raw_requests IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let result = store
        .ingest(ingest_of(vec![event("m", Status::Sent, None)], Vec::new()))
        .await;
    assert!(
        matches!(&result, Err(StoreError::Unavailable(text)) if text.contains("57014")),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the statement timeout, not the call's"
    );
    blocker.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(store.message(Provider::Smarthive, "m").await.unwrap(), None);
    // The pool's connection is fine afterwards.
    let outcome = ingest_events(&store, vec![event("m", Status::Sent, None)]).await;
    assert_eq!(outcome.status_events_stored, 1);
}

/// `ready` (the receiver's `/readyz`): ready while the server answers,
/// `Unavailable` while it is gone, ready again once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_is_not_ready_while_the_server_is_gone() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let proxy = FaultProxy::start(server_address(&url)).await;
    let store = PostgresStore::open_with(&url_through(&url, proxy.port), quick(&schema))
        .await
        .unwrap();
    store.ready().await.unwrap();
    proxy.stop().await;
    let result = store.ready().await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    proxy.resume();
    let back = async {
        while store.ready().await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), back)
        .await
        .expect("ready again once the server is back");
}
