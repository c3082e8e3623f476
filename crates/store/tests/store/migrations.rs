//! Migrations: idempotent, data kept across reopen, and a database from a
//! newer smsgate refused; readiness follows the schema version.

use smsgate_normalize::Status;
use smsgate_store::StoreError;

use crate::support::*;

suite!(
    migrations_are_idempotent_and_data_survives_reopen,
    a_database_from_a_newer_smsgate_is_refused,
    ready_means_answering_with_the_schema_this_build_migrates_to,
);

async fn migrations_are_idempotent_and_data_survives_reopen(backend: &Backend) {
    let f = Fixture::new(backend).await;
    {
        let store = &*f.store;
        ingest_events(store, vec![event("m", Status::Delivered, Some(T0))]).await;
        store
            .ingest(ingest_of(Vec::new(), vec![inbound_message("mo")]))
            .await
            .unwrap();
        assert_eq!(store.setting_or_insert("token", "first").await.unwrap(), "first");
        // Opened twice at once, on the same database.
        let again = f.reopen().await.unwrap();
        assert_eq!(again.events(None, 10).await.unwrap().events.len(), 2);
    }
    let store = f.reopen().await.unwrap();
    let store = &*store;
    assert_eq!(current(store, "m").await, (Status::Delivered, Some(T0)));
    assert_eq!(store.events(None, 10).await.unwrap().events.len(), 2);
    assert_eq!(store.inbound(None, 10).await.unwrap().messages.len(), 1);
    assert_eq!(store.setting_or_insert("token", "second").await.unwrap(), "first");
    assert_eq!(store.setting_or_insert("other", "second").await.unwrap(), "second");
    // Each backend numbers its own migrations (SQLite's feed lost
    // AUTOINCREMENT in its eighth, its messages their rowid in its ninth).
    let latest = match backend {
        Backend::Sqlite => 9,
        Backend::Postgres(_) => 7,
    };
    assert_eq!(f.schema_version().await, latest);
}

async fn a_database_from_a_newer_smsgate_is_refused(backend: &Backend) {
    let f = Fixture::new(backend).await;
    f.set_schema_version(99).await;
    assert!(matches!(f.reopen().await, Err(StoreError::Other(_))));
}

async fn ready_means_answering_with_the_schema_this_build_migrates_to(backend: &Backend) {
    let f = Fixture::new(backend).await;
    f.store.ready().await.unwrap();
    // Another replica, of a newer smsgate, migrated the database meanwhile.
    f.set_schema_version(99).await;
    let result = f.store.ready().await;
    assert!(
        matches!(&result, Err(StoreError::Unavailable(text)) if text.contains("99")),
        "{result:?}"
    );
}
