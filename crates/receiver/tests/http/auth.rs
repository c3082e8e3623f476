//! The callback secret (`?token=` or the password of HTTP Basic auth), the
//! query API's bearer token, route checks before auth, and the secret never
//! reaching the store.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsgate_test_support::receiver::{Options, TestReceiver, metric, send};
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};

use crate::support::one_api_status;
use crate::support::routes::*;

/// A valid body for each POST route, and a valid query for each GET route.
fn valid_post(path: &str) -> Value {
    match path {
        SMS_STATUS => json!({"messageId": "m-1", "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT"}),
        SMS_REPLY => json!({"replyMessageId": "mo-1", "messageId": "m-1", "text": "hi"}),
        ONE_API_STATUS => one_api_status("m-1", 5, "DEVICE_ACK", 1_700_000_000_000),
        ONE_API_REPLY => json!({"event": {"moText": [{"messageId": "mo-2", "content": "hi"}]}}),
        SMARTHIVE_STATUS => json!({"msg_id": "m-2", "status": "DELIVRD", "timestamp": "202311042057"}),
        CLEARLINE_STATUS => json!({"messageId": "m-3", "deliveryStatus": "Delivered"}),
        other => panic!("no route {other}"),
    }
}

const POST_ROUTES: [&str; 6] = [
    SMS_STATUS,
    SMS_REPLY,
    ONE_API_STATUS,
    ONE_API_REPLY,
    SMARTHIVE_STATUS,
    CLEARLINE_STATUS,
];
const GET_ROUTES: [&str; 2] = [SMS_STATUS, SMS_REPLY];

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

#[tokio::test]
async fn the_token_in_the_query_is_accepted_on_every_route() {
    let r = TestReceiver::start().await;
    for path in POST_ROUTES {
        r.post_json(path, &valid_post(path)).await.assert_ack();
    }
    r.get_callback(SMS_STATUS, &[("messageId", "m-4"), ("statusCode", "3")])
        .await
        .assert_ack();
    r.get_callback(SMS_REPLY, &[("replyMessageId", "mo-3"), ("text", "yo")])
        .await
        .assert_ack();
    // 5 status events (sms-status twice, one-api, smarthive, clearline), 3 inbound.
    assert_eq!(r.events().await.len(), 8);
    assert_eq!(r.inbound().await.len(), 3);
}

#[tokio::test]
async fn basic_auth_with_the_secret_as_password_is_accepted() {
    let r = TestReceiver::start().await;
    for (i, path) in POST_ROUTES.into_iter().enumerate() {
        let user = ["clickatell", "", "provider", "x", "smarthive", "clearline"][i];
        let reply = send(
            r.http
                .post(r.callback_url(path))
                .header(AUTHORIZATION, basic(user, CALLBACK_SECRET))
                .header(CONTENT_TYPE, "application/json")
                .body(valid_post(path).to_string()),
        )
        .await;
        reply.assert_ack();
    }
    // reqwest's own basic auth, on a GET callback.
    let reply = send(
        r.http
            .get(r.callback_url(SMS_STATUS))
            .query(&[("messageId", "m-4"), ("statusCode", "3")])
            .basic_auth("clickatell", Some(CALLBACK_SECRET)),
    )
    .await;
    reply.assert_ack();
    assert_eq!(
        r.events().await.len(),
        7,
        "4 status + 2 inbound from the POSTs, 1 status from the GET"
    );
    // The Authorization header is not kept anywhere with the raw request.
    for row in r.raw_requests() {
        let stored = format!("{row:?}");
        assert!(!stored.contains(CALLBACK_SECRET), "{stored}");
        assert!(!stored.contains(&STANDARD.encode(format!("clickatell:{CALLBACK_SECRET}"))));
    }
}

/// Requests that must all get 401 and store nothing.
fn unauthorized_attempts(r: &TestReceiver) -> Vec<(String, reqwest::RequestBuilder)> {
    let mut attempts = Vec::new();
    for path in POST_ROUTES {
        let body = valid_post(path).to_string();
        let post = || {
            r.http
                .post(r.callback_url(path))
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
        };
        attempts.push((format!("POST {path} without a secret"), post()));
        attempts.push((
            format!("POST {path} with a wrong token"),
            post().query(&[("token", "cb-S3cret_for-the-test")]),
        ));
        attempts.push((
            format!("POST {path} with the secret under another name"),
            post().query(&[("secret", CALLBACK_SECRET)]),
        ));
        attempts.push((
            format!("POST {path} with a wrong Basic password"),
            post().header(AUTHORIZATION, basic("clickatell", "nope")),
        ));
        attempts.push((
            format!("POST {path} with the secret as Basic user name"),
            post().header(AUTHORIZATION, basic(CALLBACK_SECRET, "")),
        ));
        attempts.push((
            format!("POST {path} with the secret as a bearer token"),
            post().bearer_auth(CALLBACK_SECRET),
        ));
        attempts.push((
            format!("POST {path} with the API token"),
            post().query(&[("token", API_TOKEN)]),
        ));
    }
    for path in GET_ROUTES {
        let get = || {
            r.http
                .get(r.callback_url(path))
                .query(&[("messageId", "m-9"), ("replyMessageId", "mo-9")])
        };
        attempts.push((format!("GET {path} without a secret"), get()));
        attempts.push((format!("GET {path} with an empty token"), get().query(&[("token", "")])));
        attempts.push((format!("GET {path} with a wrong token"), get().query(&[("token", "x")])));
        attempts.push((
            format!("GET {path} with a wrong Basic password"),
            get().basic_auth("clickatell", Some("nope")),
        ));
    }
    attempts
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_401_and_nothing_is_stored() {
    let r = TestReceiver::start().await;
    let attempts = unauthorized_attempts(&r);
    let count = attempts.len();
    for (what, request) in attempts {
        let reply = send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {}", reply.text);
        assert!(
            reply.headers.contains_key(WWW_AUTHENTICATE),
            "{what}: a 401 says how to authenticate"
        );
        assert!(!reply.text.contains(CALLBACK_SECRET), "{what}: {}", reply.text);
    }
    r.assert_nothing_stored().await;
    assert_eq!(r.inbound().await, Vec::<Value>::new());
    let metrics = r.metrics().await;
    let unauthorized: f64 = ["clickatell", "smarthive", "clearline"]
        .iter()
        .filter_map(|p| {
            metric(
                &metrics,
                "smsgate_callbacks_received_total",
                &format!("provider=\"{p}\",outcome=\"unauthorized\""),
            )
        })
        .sum();
    assert_eq!(unauthorized, count as f64, "{metrics}");
}

#[tokio::test]
async fn route_checks_come_before_auth_and_store_nothing() {
    let r = TestReceiver::start().await;
    let token = [("token", CALLBACK_SECRET)];
    let cases = [
        (Method::POST, "/client-callback/no-such-route", StatusCode::NOT_FOUND),
        (Method::GET, "/client-callback/", StatusCode::NOT_FOUND),
        (Method::PUT, SMS_STATUS, StatusCode::METHOD_NOT_ALLOWED),
        (Method::DELETE, SMS_REPLY, StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, ONE_API_STATUS, StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, ONE_API_REPLY, StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, SMARTHIVE_STATUS, StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, CLEARLINE_STATUS, StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (method, path, status) in cases {
        for with_token in [true, false] {
            let mut request = r.http.request(method.clone(), r.callback_url(path)).body("{}");
            if with_token {
                request = request.query(&token);
            }
            let reply = send(request).await;
            assert_eq!(
                reply.status, status,
                "{method} {path} (token: {with_token}): {}",
                reply.text
            );
        }
    }
    r.assert_nothing_stored().await;
}

#[tokio::test]
async fn the_secret_is_never_stored_with_the_raw_request() {
    let r = TestReceiver::start().await;
    // Quarantined (not JSON), with the token between two other parameters.
    let reply = send(
        r.http
            .post(r.callback_url(CLEARLINE_STATUS))
            .query(&[("a", "1"), ("token", CALLBACK_SECRET), ("b", "2")])
            .header(CONTENT_TYPE, "text/plain")
            .body("not json"),
    )
    .await;
    reply.assert_ack();
    // Parsed, from a GET whose payload is the query.
    send(r.http.get(r.callback_url(SMS_REPLY)).query(&[
        ("token", CALLBACK_SECRET),
        ("replyMessageId", "mo-1"),
        ("text", "hi"),
    ]))
    .await
    .assert_ack();
    // The token twice, once percent-encoded in its name.
    send(r.http.get(format!(
        "{}?%74oken={CALLBACK_SECRET}&messageId=m-1&statusCode=4&token={CALLBACK_SECRET}",
        r.callback_url(SMS_STATUS)
    )))
    .await
    .assert_ack();

    let quarantine = r.quarantine().await;
    assert_eq!(quarantine.len(), 1);
    assert_eq!(quarantine[0]["body"], "not json");
    assert_eq!(quarantine[0]["path"], CLEARLINE_STATUS);
    let text = serde_json::to_string(&quarantine).unwrap();
    assert!(!text.contains(CALLBACK_SECRET), "{text}");
    let inbound = r.inbound().await;
    assert_eq!(inbound[0]["payload"], json!({"replyMessageId": "mo-1", "text": "hi"}));
    let everything = format!("{:?} {:?} {:?}", inbound, r.events().await, r.raw_requests());
    assert!(!everything.contains(CALLBACK_SECRET), "{everything}");

    let queries: Vec<Option<String>> = r.raw_requests().into_iter().map(|row| row.query).collect();
    assert_eq!(
        queries,
        vec![
            Some("a=1&b=2".to_string()),
            Some("replyMessageId=mo-1&text=hi".to_string()),
            Some("messageId=m-1&statusCode=4".to_string()),
        ]
    );
}

#[tokio::test]
async fn a_secret_with_reserved_characters_works_percent_encoded_and_as_a_basic_password() {
    let secret = "p+s/s=w&r:d%?#x";
    let r = TestReceiver::start_with(Options {
        callback_secret: secret.to_string(),
        ..Options::default()
    })
    .await;
    // `post` sends it percent-encoded as `?token=`.
    r.post_json(SMARTHIVE_STATUS, &valid_post(SMARTHIVE_STATUS))
        .await
        .assert_ack();
    // A Basic password may contain `:`; only the user name may not.
    send(
        r.http
            .post(r.callback_url(CLEARLINE_STATUS))
            .basic_auth("clearline", Some(secret))
            .body(valid_post(CLEARLINE_STATUS).to_string()),
    )
    .await
    .assert_ack();
    // The same secret unencoded in the query is another secret (`+` is a space).
    let reply = send(
        r.http
            .post(format!("{}?token=p+s/s=w", r.callback_url(CLEARLINE_STATUS)))
            .body(valid_post(CLEARLINE_STATUS).to_string()),
    )
    .await;
    reply.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(r.events().await.len(), 2);
    assert_eq!(
        r.raw_requests().into_iter().map(|row| row.query).collect::<Vec<_>>(),
        vec![None, None],
        "the encoded secret was stripped"
    );
}

#[tokio::test]
async fn the_query_api_wants_its_bearer_token() {
    let r = TestReceiver::start().await;
    r.post_json(ONE_API_STATUS, &valid_post(ONE_API_STATUS))
        .await
        .assert_ack();
    let paths = [
        "/v1/events",
        "/v1/inbound",
        "/v1/quarantine",
        "/v1/messages/clickatell/m-1",
        "/v1/events?limit=5",
        "/v1/messages?provider=clickatell",
        "/v1/stats/delivery",
    ];
    for path in paths {
        let url = r.api_url(path);
        let attempts = [
            ("no header", r.http.get(&url)),
            ("a wrong token", r.http.get(&url).bearer_auth("api-T0ken_for-the-test")),
            ("the callback secret", r.http.get(&url).bearer_auth(CALLBACK_SECRET)),
            (
                "the token without a scheme",
                r.http.get(&url).header(AUTHORIZATION, API_TOKEN),
            ),
            (
                "the token as Basic password",
                r.http.get(&url).basic_auth("api", Some(API_TOKEN)),
            ),
            (
                "the token in the query",
                r.http.get(&url).query(&[("token", API_TOKEN)]),
            ),
        ];
        for (what, request) in attempts {
            let reply = send(request).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{path} with {what}: {}",
                reply.text
            );
            assert!(!reply.text.contains(API_TOKEN));
        }
        let ok = send(r.http.get(&url).header(AUTHORIZATION, format!("bearer {API_TOKEN}"))).await;
        ok.assert_status(StatusCode::OK);
        r.api(path).await.assert_status(StatusCode::OK);
    }
}
