//! Opening: replicas starting together migrate once, and
//! `smsgate_store::open` takes a postgres:// URL with its own parameters.

use std::time::Duration;

use smsgate_normalize::Status;
use smsgate_store::{PostgresStore, Store, StoreError};

use crate::support::*;

/// Replicas starting together on an empty schema: the migration lock lets
/// one migrate and the others find nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let opening: Vec<_> = (0..6)
        .map(|_| {
            let (url, options) = (schema.url.clone(), schema.options());
            tokio::spawn(async move { PostgresStore::open_with(&url, options).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opening {
        stores.push(open.await.unwrap().unwrap());
    }
    let client = schema.client().await;
    let versions: Vec<i32> = client
        .query("SELECT version FROM smsgate_schema_version", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [7]);
    ingest_events(&stores[0], vec![event("m", Status::Sent, None)]).await;
    assert_eq!(stores[5].events(None, 10).await.unwrap().events.len(), 1);
}

/// `smsgate_store::open` (what `--database` goes through) takes a
/// postgres:// URL, keeping the URL's own parameters (here the schema, as
/// libpq's `options`) beside the store's statement timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn open_takes_a_postgres_url_with_its_parameters() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let with_schema = format!("{url}{separator}options=-c%20search_path%3D{}", schema.name);
    let store = smsgate_store::open(&with_schema).await.unwrap();
    ingest_events(&*store, vec![event("m", Status::Sent, None)]).await;
    let client = schema.client().await;
    let row = client
        .query_one("SELECT COUNT(*) FROM status_events", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1, "stored in the URL's schema");
    let postgresql = with_schema.replacen("postgres://", "postgresql://", 1);
    assert!(smsgate_store::open(&postgresql).await.is_ok());

    // The URL's own statement_timeout wins over the store's 5 s.
    let short = format!("{with_schema}%20-c%20statement_timeout%3D100&connect_timeout=2");
    let store = smsgate_store::open(&short).await.unwrap();
    let blocker = schema.client().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE raw_requests IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let result = store
        .ingest(ingest_of(vec![event("n", Status::Sent, None)], Vec::new()))
        .await;
    assert!(matches!(&result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    blocker.batch_execute("ROLLBACK").await.unwrap();
}
