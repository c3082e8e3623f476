//! The console's gate over plain HTTP: without a session every page
//! redirects to the sign-in form, a wrong token is refused with a message,
//! the session cookie is HttpOnly and SameSite=Strict, and a replay POST
//! without its session's CSRF token (or from another origin) changes nothing.

use smsgate_test_support::secrets::API_TOKEN;
use smsgate_test_support::serve::{Served, serve_with_test_secrets};

use crate::harness::{BIN, csrf_of, database_with_quarantine, get_page, http, post_sign_in, sign_in};

const PAGES: [&str; 8] = [
    "/ui",
    "/ui/messages?to=%2B27820000001",
    "/ui/message?provider=clickatell&id=m1",
    "/ui/outbound?id=ob_1",
    "/ui/inbound",
    "/ui/quarantine",
    "/ui/providers",
    "/ui/exports",
];

#[tokio::test]
async fn the_console_lets_in_only_a_session_signed_in_with_the_token_and_forms_carrying_its_csrf_token() {
    let dir = tempfile::tempdir().unwrap();
    let database = database_with_quarantine(dir.path()).await;
    let served = Served::start_async(serve_with_test_secrets(BIN.as_ref(), dir.path(), &database, &[])).await;
    let base = served.api_base.as_str();
    let http = http();

    for page in PAGES {
        let answer = http.get(format!("{base}{page}")).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{page} without a session");
        let location = answer.headers()["location"].to_str().unwrap();
        let next = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", page)
            .finish();
        assert_eq!(location, format!("/ui/sign-in?{next}"), "{page}");
    }
    let forged_cookie = "smsgate_session=v1.AAAA.99999999999999.forged";
    let (status, _) = get_page(&http, base, "/ui/quarantine", forged_cookie).await;
    assert_eq!(status, 303, "a forged cookie is no session");

    let form = http.get(format!("{base}/ui/sign-in")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains(r#"type="password" name="token""#));

    let wrong = post_sign_in(&http, base, "not-the-token", "/ui/quarantine").await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    assert!(wrong.text().await.unwrap().contains("That is not the API token."));

    let right = post_sign_in(&http, base, API_TOKEN, "/ui/quarantine").await;
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/ui/quarantine");
    let set_cookie = right.headers()["set-cookie"].to_str().unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/ui"] {
        assert!(set_cookie.contains(flag), "{flag} in {set_cookie}");
    }
    assert!(!set_cookie.contains(API_TOKEN), "the token never goes into the cookie");
    let offsite = post_sign_in(&http, base, API_TOKEN, "https://elsewhere.example/").await;
    assert_eq!(
        offsite.headers()["location"],
        "/ui/messages",
        "no redirect off the console"
    );

    let cookie = sign_in(&http, base).await;
    let (status, page) = get_page(&http, base, "/ui/quarantine", &cookie).await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("<article").count(),
        2,
        "both quarantined requests are listed"
    );
    let csrf = csrf_of(&page);

    let replay = |form: Vec<(&'static str, String)>, cookie: Option<String>, origin: Option<&'static str>| {
        let mut request = http.post(format!("{base}/ui/quarantine/replay")).form(&form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let id = || ("id", "1".to_string());
    let no_session = replay(vec![id(), ("csrf", csrf.clone())], None, None).await.unwrap();
    assert_eq!(no_session.status(), 303, "no session: to the sign-in form");
    assert_eq!(no_session.headers()["location"], "/ui/sign-in?next=%2Fui%2Fmessages");
    let no_token = replay(vec![id()], Some(cookie.clone()), None).await.unwrap();
    assert_eq!(no_token.status(), 403, "a session but no CSRF token");
    let wrong_token = replay(vec![id(), ("csrf", "x".repeat(43))], Some(cookie.clone()), None)
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), 403);
    let other_session = sign_in(&http, base).await;
    let (_, other_page) = get_page(&http, base, "/ui/quarantine", &other_session).await;
    let borrowed = replay(vec![id(), ("csrf", csrf_of(&other_page))], Some(cookie.clone()), None)
        .await
        .unwrap();
    assert_eq!(borrowed.status(), 403, "another session's token");
    let cross_site = replay(
        vec![id(), ("csrf", csrf.clone())],
        Some(cookie.clone()),
        Some("https://evil.example"),
    )
    .await
    .unwrap();
    assert_eq!(cross_site.status(), 403, "posted from another origin");
    let (_, page) = get_page(&http, base, "/ui/quarantine", &cookie).await;
    assert_eq!(page.matches("<article").count(), 2, "no refused POST replayed anything");

    let genuine = http
        .post(format!("{base}/ui/quarantine/replay"))
        .header("cookie", &cookie)
        .header("origin", base)
        .form(&[("id", "1"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 303);
    let location = genuine.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/ui/quarantine?replayed=1&stored=1&duplicates=0");
    let (_, page) = get_page(&http, base, &location, &cookie).await;
    assert!(page.contains("Request #1 replayed: 1 events stored."), "{page}");
    assert_eq!(
        page.matches("<article").count(),
        1,
        "the replayed request left the list"
    );
    let still = http
        .post(format!("{base}/ui/quarantine/replay"))
        .header("cookie", &cookie)
        .form(&[("id", "2"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(still.headers()["location"], "/ui/quarantine?still=2");

    let sign_out = http
        .post(format!("{base}/ui/sign-out"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sign_out.status(), 303);
    assert!(sign_out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
}
