//! What the console tests share: a store holding a quarantined request that
//! this version parses (stored before `smsgate serve` opens it, as an older
//! version would have left it), and the console's signing in (shared with
//! the exports' tests, from test-support).

use std::path::Path;

use smsgate_normalize::Provider;
pub use smsgate_test_support::console::{get_page, http, post_sign_in, sign_in};

pub const BIN: &str = env!("CARGO_BIN_EXE_smsgate");
/// The ClearLine message of the quarantined request, once replayed.
pub const QUARANTINED_MESSAGE: &str = "quarantined-7c2e9a";

/// `sqlite:` URL of a new database in `dir` holding one quarantined
/// request that parses now, and one that does not; the store is closed
/// again before this returns.
pub async fn database_with_quarantine(dir: &Path) -> String {
    let database = format!("sqlite:{}", dir.join("smsgate.db").display());
    let store = smsgate_store::open(&database).await.expect("the store opens");
    let parseable = format!(
        r#"{{"messageId": "{QUARANTINED_MESSAGE}", "deliveryStatus": "Delivered", "reasonText": "Delivered to handset"}}"#
    );
    for body in [parseable.as_bytes(), b"not json {".as_slice()] {
        let ingest = smsgate_store::Ingest {
            raw: smsgate_store::RawRequest {
                provider: Provider::Clearline,
                method: "POST".into(),
                path: "/client-callback/clearline-status".into(),
                query: None,
                content_type: Some("application/json".into()),
                body: body.to_vec(),
                received_at: 1_700_000_000_000,
            },
            parsed: smsgate_store::Parsed::Quarantined {
                error: "rejected by an older version".into(),
            },
        };
        assert!(store.ingest(ingest).await.expect("stored").quarantined);
    }
    database
}

/// The value of the hidden `csrf` field in `page`.
pub fn csrf_of(page: &str) -> String {
    let start = page.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + 19;
    page[start..start + page[start..].find('"').unwrap()].to_string()
}
