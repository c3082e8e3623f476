//! What the console tests share: a store holding a quarantined request that
//! this version parses (stored before `smsgate serve` opens it, as an older
//! version would have left it), an HTTP client that shows redirects instead
//! of following them, and signing in through the form.

use std::path::Path;

use smsgate_normalize::Provider;
use smsgate_test_support::secrets::API_TOKEN;

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

/// An HTTP client that hands back redirects (and keeps no cookies).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Signs in through the form with `token`: the answer.
pub async fn post_sign_in(http: &reqwest::Client, base: &str, token: &str, next: &str) -> reqwest::Response {
    http.post(format!("{base}/ui/sign-in"))
        .form(&[("token", token), ("next", next)])
        .send()
        .await
        .unwrap()
}

/// Signs in with the API token: the `Cookie` header value of the session.
pub async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let answer = post_sign_in(http, base, API_TOKEN, "/ui/messages").await;
    assert_eq!(answer.status(), 303);
    let set_cookie = answer.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

/// `GET base+path` with `cookie`: the status and body.
pub async fn get_page(http: &reqwest::Client, base: &str, path: &str, cookie: &str) -> (u16, String) {
    let answer = http
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// The value of the hidden `csrf` field in `page`.
pub fn csrf_of(page: &str) -> String {
    let start = page.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + 19;
    page[start..start + page[start..].find('"').unwrap()].to_string()
}
