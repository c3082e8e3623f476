//! What running `serve` in production relies on: HTTPS on its listeners
//! with a certificate made for the test, a certificate swapped on disk and
//! SIGHUP (new connections get the new one, the process keeps serving), a
//! key that does not match refused with a message, `--log-format json`, and
//! the bounds of a drain: `--shutdown-timeout` when a request in flight never
//! completes, and a second signal.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use smsgate_test_support::serve::Served;

use crate::harness::{run, serve, sqlite, tempdir};
use crate::payloads::SMARTHIVE_EXAMPLE;

/// A self-signed certificate for 127.0.0.1 and localhost, as PEM (cert, key).
fn certificate(name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let certificate = params.self_signed(&key).unwrap();
    (certificate.pem(), key.serialize_pem())
}

fn write_pair(dir: &Path, (cert, key): &(String, String)) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

/// A client that trusts `root` alone, and opens a new connection for every
/// request (so each one does a TLS handshake).
fn client_trusting(root: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(root.as_bytes()).unwrap()])
        .pool_max_idle_per_host(0)
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn served_with_tls(dir: &Path) -> Served {
    let database = sqlite(dir, "smsgate.db");
    let cert = dir.join("cert.pem").display().to_string();
    let key = dir.join("key.pem").display().to_string();
    Served::start(serve(dir, &database, &["--tls-cert", &cert, "--tls-key", &key]))
}

#[test]
fn callbacks_over_https_and_a_certificate_swapped_on_sighup() {
    let dir = tempdir();
    let first = certificate("first");
    write_pair(dir.path(), &first);
    let served = served_with_tls(dir.path());
    assert!(served.callback_base.starts_with("https://"), "{:?}", served.banner);
    assert!(served.api_base.starts_with("https://"), "{:?}", served.banner);

    let trusting_first = client_trusting(&first.0);
    let reply = trusting_first
        .post(served.callback_url("/client-callback/smarthive-status"))
        .header("content-type", "application/json")
        .body(SMARTHIVE_EXAMPLE)
        .send()
        .expect("a callback over HTTPS, verified against the test's root");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.json::<Value>().unwrap(), serde_json::json!({"status": "ok"}));
    let events: Value = trusting_first
        .get(format!("{}/v1/events", served.api_base))
        .bearer_auth(&served.api_token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(events["events"].as_array().unwrap().len(), 1, "{events}");

    // Renewed on disk, then SIGHUP: new connections get the new certificate.
    let second = certificate("second");
    write_pair(dir.path(), &second);
    served.signal("HUP");
    let trusting_second = client_trusting(&second.0);
    let healthz = format!("{}/healthz", served.api_base);
    let deadline = Instant::now() + Duration::from_secs(20);
    while trusting_second.get(&healthz).send().is_err() {
        assert!(
            Instant::now() < deadline,
            "the new certificate is never served; log:\n{}",
            served.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let refused = trusting_first.get(&healthz).send();
    assert!(refused.is_err(), "the old certificate is no longer served");

    // A key that does not go with the certificate: logged, the old one kept.
    let third = certificate("third");
    std::fs::write(dir.path().join("key.pem"), &third.1).unwrap();
    served.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !served.stderr_so_far().contains("do not go together") {
        assert!(
            Instant::now() < deadline,
            "a mismatched key is not reported; log:\n{}",
            served.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(trusting_second.get(&healthz).send().unwrap().status(), 200);
}

#[test]
fn tls_files_that_do_not_load_stop_the_start_with_a_message() {
    let dir = tempdir();
    let (cert, _) = certificate("lonely");
    let (_, other_key) = certificate("other");
    write_pair(dir.path(), &(cert, other_key));
    let database = sqlite(dir.path(), "smsgate.db");
    let cert = dir.path().join("cert.pem").display().to_string();
    let key = dir.path().join("key.pem").display().to_string();
    let stderr = run(serve(dir.path(), &database, &["--tls-cert", &cert, "--tls-key", &key])).failure();
    assert!(stderr.contains("do not go together"), "{stderr}");
    let stderr = run(serve(dir.path(), &database, &["--tls-cert", &cert])).failure();
    assert!(stderr.contains("--tls-key"), "says what is missing: {stderr}");
}

#[test]
fn json_logs_are_one_object_a_line_with_the_fields_of_the_text_logs() {
    let dir = tempdir();
    let database = sqlite(dir.path(), "smsgate.db");
    let mut command = serve(dir.path(), &database, &[]);
    command.args(["--log-format", "json"]);
    let mut served = Served::start(command);
    let status = served.interrupt();
    assert!(status.success(), "{status:?}");
    let (_, log) = served.stop();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let started = lines
        .iter()
        .find(|line| line["message"] == "receiver started")
        .unwrap_or_else(|| panic!("no start line: {log}"));
    assert_eq!(started["level"], "INFO");
    assert!(
        started["callbacks"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:")),
        "{started}"
    );
    assert!(lines.iter().any(|line| line["message"] == "stopped"), "{log}");
}

/// A connection that sent the headers of a callback and half its body, and
/// then nothing: a request in flight that the drain has to wait for (until
/// the body timeout).
fn stalled_callback(served: &Served) -> std::net::TcpStream {
    use std::io::Write as _;
    let url = served.callback_url("/client-callback/smarthive-status");
    let (address, path) = url.trim_start_matches("http://").split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let head = format!(
        "POST /{path} HTTP/1.1\r\nHost: smsgate\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        SMARTHIVE_EXAMPLE.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&SMARTHIVE_EXAMPLE.as_bytes()[..10]).unwrap();
    stream
}

/// Waits until the log says the drain has begun.
fn wait_for_the_drain(served: &Served) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !served.stderr_so_far().contains("shutting down") {
        assert!(Instant::now() < deadline, "no drain; log:\n{}", served.stderr_so_far());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_drain_past_the_shutdown_timeout_exits_1_and_a_second_signal_exits_at_once() {
    use std::os::unix::process::ExitStatusExt as _;
    let dir = tempdir();
    let database = sqlite(dir.path(), "smsgate.db");

    // The request in flight never completes: the drain gives up at the bound.
    let mut served = Served::start(serve(dir.path(), &database, &["--shutdown-timeout", "1"]));
    let _stalled = stalled_callback(&served);
    std::thread::sleep(Duration::from_millis(200));
    served.signal("TERM");
    let signalled = Instant::now();
    let status = served.wait_exit(Duration::from_secs(20));
    let took = signalled.elapsed();
    let (_, log) = served.stop();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        took < Duration::from_secs(10),
        "bounded by --shutdown-timeout: {took:?}"
    );
    assert!(log.contains("shutdown timeout of 1 s"), "{log}");

    // A second signal during the drain: out at once.
    let mut served = Served::start(serve(dir.path(), &database, &["--shutdown-timeout", "60"]));
    let _stalled = stalled_callback(&served);
    std::thread::sleep(Duration::from_millis(200));
    served.signal("TERM");
    wait_for_the_drain(&served);
    served.signal("INT");
    let status = served.wait_exit(Duration::from_secs(10));
    assert_eq!((status.code(), status.signal()), (Some(130), None), "{status:?}");
}
