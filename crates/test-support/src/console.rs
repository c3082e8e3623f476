//! The console from the outside, over HTTP: a client that shows
//! redirects instead of following them, signing in through the form with
//! the test API token, and reading a page with the session's cookie.

use crate::secrets::API_TOKEN;

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
