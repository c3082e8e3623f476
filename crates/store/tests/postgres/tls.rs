//! TLS to PostgreSQL, against the test server itself (Debian's PostgreSQL
//! serves TLS with its snakeoil certificate, whose name is `localhost`):
//! `require` encrypts without checking, `verify-ca` checks the chain
//! against `sslrootcert`, `verify-full` the chain and the host name, and a
//! refused certificate fails the open with an error naming the check and
//! the settings. Skipped, saying so, when the server has TLS off.

use std::path::PathBuf;

use smsgate_normalize::Status;
use smsgate_store::{StoreError, StoreOpenError};

use crate::support::*;

/// The URL with more query parameters.
fn with(url: &str, params: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{params}")
}

/// The server's own certificate file, when it serves TLS.
async fn served_certificate(schema: &PgSchema) -> Option<PathBuf> {
    let client = schema.client().await;
    let ssl: String = client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    if ssl != "on" {
        eprintln!("skipped: the test PostgreSQL server has TLS off");
        return None;
    }
    let file: String = client.query_one("SHOW ssl_cert_file", &[]).await.unwrap().get(0);
    Some(PathBuf::from(file))
}

/// Whether the connections named `application` are encrypted (the store's
/// pool keeps them open after it opened).
async fn encrypted(schema: &PgSchema, application: &str) -> bool {
    let client = schema.client().await;
    let row = client
        .query_one(
            "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = $1",
            &[&application],
        )
        .await
        .unwrap();
    row.get::<_, Option<bool>>(0)
        .unwrap_or_else(|| panic!("no connection named {application}"))
}

/// A certificate authority of our own, which signed nothing the server has.
fn unrelated_root() -> tempfile::NamedTempFile {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["unrelated.example".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), certificate.pem()).unwrap();
    file
}

fn application(test: &str) -> String {
    format!("smsgate-tls-{test}-{}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_encrypts_and_disable_does_not() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    if served_certificate(&schema).await.is_none() {
        return;
    }
    let base = schema.database_url(&url);
    let name = application("require");
    let store = smsgate_store::open(&with(&base, &format!("sslmode=require&application_name={name}")))
        .await
        .unwrap();
    ingest_events(&*store, vec![event("m", Status::Sent, None)]).await;
    assert!(
        encrypted(&schema, &name).await,
        "pg_stat_ssl says the connection is encrypted"
    );
    let plain = application("disable");
    let _store = smsgate_store::open(&with(&base, &format!("sslmode=disable&application_name={plain}")))
        .await
        .unwrap();
    assert!(!encrypted(&schema, &plain).await, "sslmode=disable stays plain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_wrong_root_is_refused_naming_the_verification() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    if served_certificate(&schema).await.is_none() {
        return;
    }
    let root = unrelated_root();
    let params = format!("sslmode=verify-full&sslrootcert={}", root.path().display());
    let opened = smsgate_store::open(&with(&schema.database_url(&url), &params)).await;
    let Err(StoreOpenError::Store(StoreError::Other(message))) = opened else {
        panic!(
            "a certificate that does not verify is a lasting error: {:?}",
            opened.err()
        );
    };
    assert!(
        message.contains("certificate"),
        "says the certificate was refused: {message}"
    );
    assert!(message.contains("UnknownIssuer"), "says why: {message}");
    assert!(
        message.contains("sslmode=verify-full") && message.contains(&root.path().display().to_string()),
        "names the settings: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_checks_the_chain_and_verify_full_the_name_too() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let Some(certificate) = served_certificate(&schema).await else {
        return;
    };
    let root = format!("sslrootcert={}", certificate.display());
    let base = schema.database_url(&url);
    let name = application("verify-ca");
    let store = smsgate_store::open(&with(
        &base,
        &format!("sslmode=verify-ca&{root}&application_name={name}"),
    ))
    .await
    .unwrap();
    ingest_events(&*store, vec![event("m", Status::Sent, None)]).await;
    assert!(encrypted(&schema, &name).await);

    // The certificate names `localhost`, not the address the URL holds.
    let Some(host) = ["127.0.0.1", "[::1]"].into_iter().find(|host| base.contains(host)) else {
        eprintln!("skipped the name check: the test URL does not name the server by a loopback address");
        return;
    };
    let opened = smsgate_store::open(&with(&base, &format!("sslmode=verify-full&{root}"))).await;
    let Err(StoreOpenError::Store(StoreError::Other(message))) = opened else {
        panic!("verify-full refuses a certificate for another name: {:?}", opened.err());
    };
    assert!(
        message.contains("not valid for name"),
        "says the name did not match: {message}"
    );
    let by_name = base.replacen(host, "localhost", 1);
    let store = smsgate_store::open(&with(&by_name, &format!("sslmode=verify-full&{root}")))
        .await
        .unwrap();
    ingest_events(&*store, vec![event("n", Status::Sent, None)]).await;
}
