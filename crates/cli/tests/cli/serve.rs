//! `smsgate serve` as an operator runs it: the callback URLs and the API
//! token it prints (and never logs), a separate query API listener, and a
//! restart that keeps the generated secrets unless the environment sets
//! others.

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use smsgate_test_support::process::STEP;
use smsgate_test_support::serve::Served;

use crate::harness::{assert_acknowledged, block_on, client, get, post, run, serve, sqlite, stored_events, tempdir};
use crate::payloads::{ONE_API_DELIVERED, ONE_API_REPLY, ONE_API_SENT, ROUTES, SMARTHIVE_EXAMPLE};

#[test]
fn serve_prints_every_route_once_and_never_logs_the_secrets() {
    let dir = tempdir();
    let database = sqlite(dir.path(), "db");
    let server = Served::start(serve(dir.path(), &database, &[]));

    assert_eq!(server.banner[0], format!("smsgate receiver, storing in {database}"));
    let paths: Vec<&str> = server.callbacks.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ROUTES, "each route exactly once: {:#?}", server.banner);
    let origin = server.api_base.clone();
    for (path, url) in &server.callbacks {
        assert_eq!(
            url,
            &format!("{origin}{path}?token={}", server.secret),
            "one secret for every route"
        );
    }
    assert!(
        server.secret.len() >= 32,
        "a generated secret is long: {}",
        server.secret
    );
    assert!(
        server.api_token.len() >= 32,
        "a generated token is long: {}",
        server.api_token
    );
    assert_ne!(server.secret, server.api_token);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l == &format!("Metrics:   {origin}/metrics")),
        "{:#?}",
        server.banner
    );

    let banner = server.banner.join("\n");
    assert_eq!(
        banner.matches(&server.secret).count(),
        6,
        "the secret only in the six URLs"
    );
    assert_eq!(banner.matches(&server.api_token).count(), 1, "the API token once");

    // Traffic that could make a careless server log its secrets: callbacks
    // with the secret in the query or as a Basic password, a wrong secret, a
    // malformed body (quarantined, logged as a warning), the query API.
    assert_acknowledged(post(
        server.callback_url("/client-callback/one-api-status"),
        ONE_API_SENT,
    ));
    assert_acknowledged(post(
        server.callback_url("/client-callback/smarthive-status"),
        SMARTHIVE_EXAMPLE,
    ));
    assert_acknowledged(post(
        server.callback_url("/client-callback/clearline-status"),
        "this is not JSON",
    ));
    let basic = block_on(async {
        client()
            .post(format!("{origin}/client-callback/one-api-reply"))
            .basic_auth("smsgate", Some(&server.secret))
            .header("content-type", "application/json")
            .body(ONE_API_REPLY)
            .send()
            .await
            .expect("an answer")
            .status()
            .as_u16()
    });
    assert_eq!(basic, 200);
    let (status, _) = post(
        &format!("{origin}/client-callback/one-api-status?token=wrong"),
        ONE_API_DELIVERED,
    );
    assert_eq!(status, 401);
    let (status, _) = get(&format!("{origin}/v1/events"), Some("wrong"));
    assert_eq!(status, 401);
    let events = stored_events(&server);
    assert_eq!(events.len(), 3, "the wrong secret stored nothing: {events:#?}");
    let (status, metrics) = get(&format!("{origin}/metrics"), None);
    assert_eq!(status, 200);
    assert!(!metrics.contains(&server.secret) && !metrics.contains(&server.api_token));

    let (secret, api_token) = (server.secret.clone(), server.api_token.clone());
    let (later_stdout, stderr) = server.stop();
    assert!(stderr.contains("receiver started"), "the logs are on stderr: {stderr}");
    assert!(
        stderr.contains("quarantined"),
        "the unparseable body was logged: {stderr}"
    );
    assert!(
        !stderr.contains(&secret),
        "the callback secret is in the logs:\n{stderr}"
    );
    assert!(!stderr.contains(&api_token), "the API token is in the logs:\n{stderr}");
    let later_stdout = later_stdout.join("\n");
    assert!(
        !later_stdout.contains(&secret) && !later_stdout.contains(&api_token),
        "{later_stdout}"
    );
}

/// Providers time out and hang up; dropshot then logs a WARN line with the
/// request's URI, query string and all.
#[test]
fn the_callback_secret_stays_out_of_the_logs_when_a_provider_hangs_up() {
    let dir = tempdir();
    let server = Served::start(serve(dir.path(), &sqlite(dir.path(), "db"), &[]));
    let address = server.api_base.trim_start_matches("http://").to_string();
    let path = "/client-callback/one-api-status";
    for i in 0..40 {
        let body = format!(r#"{{"event": {{"messageStatusUpdate": [{{"messageId": "h{i}", "statusCode": 4}}]}}}}"#);
        let mut stream = TcpStream::connect(&address).expect("connect");
        write!(
            stream,
            "POST {path}?token={} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            server.secret,
            body.len()
        )
        .expect("send");
        drop(stream); // hang up without waiting for the answer
    }
    // The handlers run on (a request whose client left early may be dropped
    // unacknowledged, which the provider retries); wait until they are done.
    let deadline = Instant::now() + STEP;
    let mut stored = 0;
    loop {
        thread::sleep(Duration::from_millis(300));
        let now = stored_events(&server).len();
        if (now == stored && now > 0) || Instant::now() > deadline {
            break;
        }
        stored = now;
    }
    let secret = server.secret.clone();
    let (_, stderr) = server.stop();
    let leaked: Vec<&str> = stderr.lines().filter(|l| l.contains(&secret)).collect();
    assert!(
        leaked.is_empty(),
        "the callback secret is in {} log lines, e.g.\n{}",
        leaked.len(),
        leaked[0]
    );
}
#[test]
fn api_listen_keeps_the_query_api_off_the_callback_port() {
    let dir = tempdir();
    let server = Served::start(serve(
        dir.path(),
        &sqlite(dir.path(), "db"),
        &["--api-listen", "127.0.0.1:0"],
    ));
    let callback_origin = {
        let url = server.callback_url("/client-callback/one-api-status");
        url[..url.find("/client-callback/").unwrap()].to_string()
    };
    assert_ne!(callback_origin, server.api_base, "two listeners: {:#?}", server.banner);
    assert_acknowledged(post(
        server.callback_url("/client-callback/one-api-status"),
        ONE_API_SENT,
    ));
    assert_eq!(stored_events(&server).len(), 1);
    let (status, _) = get(&format!("{callback_origin}/v1/events"), Some(&server.api_token));
    assert_eq!(status, 404, "no query API on the callback port");
    let (status, _) = get(&format!("{callback_origin}/metrics"), None);
    assert_eq!(status, 404, "no metrics on the callback port");
    assert_eq!(get(&format!("{callback_origin}/healthz"), None).0, 200);
    let (status, metrics) = get(&format!("{}/metrics", server.api_base), None);
    assert_eq!(status, 200);
    assert!(!metrics.is_empty());
    let (status, _) = post(
        &format!(
            "{}/client-callback/one-api-status?token={}",
            server.api_base, server.secret
        ),
        ONE_API_SENT,
    );
    assert_eq!(status, 404, "no callbacks on the query API port");
    server.stop();
}
#[test]
fn a_restart_keeps_the_generated_secrets_and_the_environment_overrides_them() {
    let dir = tempdir();
    let database = sqlite(dir.path(), "db");
    let mut first = Served::start(serve(dir.path(), &database, &[]));
    let (secret, api_token) = (first.secret.clone(), first.api_token.clone());
    assert_acknowledged(post(
        first.callback_url("/client-callback/one-api-status"),
        ONE_API_SENT,
    ));
    // Ctrl-C finishes cleanly.
    let status = first.interrupt();
    assert!(status.success(), "serve exits 0 on Ctrl-C: {status:?}");
    let (_, stderr) = first.stop();
    assert!(stderr.contains("shutting down"), "{stderr}");

    let second = Served::start(serve(dir.path(), &database, &[]));
    assert_eq!(second.secret, secret, "the generated secret is kept in the store");
    assert_eq!(
        second.api_token, api_token,
        "the generated API token is kept in the store"
    );
    assert_acknowledged(post(
        second.callback_url("/client-callback/one-api-status"),
        ONE_API_DELIVERED,
    ));
    assert_eq!(
        stored_events(&second).len(),
        2,
        "the first run's event survived the restart"
    );
    second.stop();

    let mut command = serve(dir.path(), &database, &[]);
    command
        .env("SMSGATE_CALLBACK_TOKEN", "abc")
        .env("SMSGATE_API_TOKEN", "xyz");
    let third = Served::start(command);
    assert_eq!(third.secret, "abc");
    assert!(
        third.callbacks.iter().all(|(_, url)| url.ends_with("?token=abc")),
        "{:#?}",
        third.banner
    );
    assert_eq!(third.api_token, "xyz");
    assert!(
        !third.banner.join("\n").contains(&secret),
        "the stored secret is not printed"
    );
    assert_acknowledged(post(
        third.callback_url("/client-callback/smarthive-status"),
        SMARTHIVE_EXAMPLE,
    ));
    let old = third
        .callback_url("/client-callback/smarthive-status")
        .replace("token=abc", &format!("token={secret}"));
    assert_eq!(
        post(&old, SMARTHIVE_EXAMPLE).0,
        401,
        "the stored secret no longer works"
    );
    let (status, _) = get(&format!("{}/v1/events", third.api_base), Some(&api_token));
    assert_eq!(status, 401, "the stored API token no longer works");
    assert_eq!(stored_events(&third).len(), 3);
    third.stop();

    // The environment did not replace what the store keeps.
    let fourth = Served::start(serve(dir.path(), &database, &[]));
    assert_eq!(
        (fourth.secret.as_str(), fourth.api_token.as_str()),
        (secret.as_str(), api_token.as_str())
    );
    fourth.stop();

    let mut command = serve(dir.path(), &database, &[]);
    command.env("SMSGATE_CALLBACK_TOKEN", "  ");
    let stderr = run(command).failure();
    assert!(stderr.contains("SMSGATE_CALLBACK_TOKEN is set but empty"), "{stderr}");
}
