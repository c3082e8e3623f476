//! `smsgate send` as a person or a script runs it, against a local peer
//! playing the provider (the one the library's tests use): its output
//! shapes, its exit codes, its messages for bad input, and that the key
//! never shows, whatever goes wrong.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use smsgate_test_support::provider_peer::{Peer, Reply};

const BIN: &str = env!("CARGO_BIN_EXE_smsgate");
const KEY: &str = "cli-key-8d21e7";

/// `smsgate send ARGS` in `dir`, with only the given keys in the environment.
fn send(dir: &Path, keys: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("SMSGATE_CLICKATELL_API_KEY")
        .env_remove("SMSGATE_CLEARLINE_API_KEY")
        .env_remove("SMSGATE_DATABASE")
        .env_remove("SMSGATE_CONFIG")
        .arg("send")
        .args(args);
    for (name, value) in keys {
        command.env(name, value);
    }
    command
}

/// Runs the command off the runtime's threads, so the peer keeps answering.
async fn run(mut command: Command) -> (bool, String, String) {
    let Output { status, stdout, stderr } = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8(stdout).unwrap(), String::from_utf8(stderr).unwrap());
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key shows:\n{stdout}\n{stderr}"
    );
    (status.success(), stdout, stderr)
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

const CLICKATELL: (&str, &str) = ("SMSGATE_CLICKATELL_API_KEY", KEY);
const CLEARLINE: (&str, &str) = ("SMSGATE_CLEARLINE_API_KEY", KEY);

#[tokio::test(flavor = "multi_thread")]
async fn json_prints_provider_message_id_and_to_per_accepted_message() {
    let dir = tempfile::tempdir().unwrap();
    let peer = Peer::succeeding().await;
    let url = peer.url();
    let (ok, stdout, _) = run(send(
        dir.path(),
        &[CLICKATELL],
        &[
            "--provider",
            "clickatell-http",
            "--to",
            "+27820000001",
            "--text",
            "hi",
            "--base-url",
            &url,
            "--json",
        ],
    ))
    .await;
    assert!(ok);
    assert_eq!(
        json_lines(&stdout),
        [json!({"provider": "clickatell", "message_id": "id-27820000001", "to": "+27820000001"})]
    );

    std::fs::write(dir.path().join("m.csv"), "to,text\n+27820000001,a\n+27820000002,b\n").unwrap();
    let csv_run = [
        "--provider",
        "clearline",
        "--csv",
        "m.csv",
        "--base-url",
        &url,
        "--json",
    ];
    let (ok, stdout, stderr) = run(send(dir.path(), &[CLEARLINE], &csv_run)).await;
    assert!(ok, "{stderr}");
    assert_eq!(
        json_lines(&stdout),
        [
            json!({"provider": "clearline", "message_id": "cl-27820000001", "to": "+27820000001"}),
            json!({"provider": "clearline", "message_id": "cl-27820000002", "to": "+27820000002"}),
        ]
    );
    assert!(stderr.contains("accepted 2, rejected 0"), "{stderr}");
    assert!(dir.path().join("m.csv.results.jsonl").exists());

    // A re-run sends nothing again.
    let (ok, stdout, stderr) = run(send(dir.path(), &[CLEARLINE], &csv_run)).await;
    assert!(ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("skipped 2"), "{stderr}");
    assert_eq!(peer.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejection_exits_non_zero_and_the_key_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    // Every answer echoes the key back, as a careless provider or proxy might.
    let peer = Peer::start(|seen, _| {
        let key = seen
            .query_value("apiKey")
            .or(seen.header("authorization"))
            .unwrap_or("")
            .to_string();
        match seen.path.as_str() {
            "/messages" => Reply::json(
                202,
                json!({"messages": [{"accepted": false, "error": format!("bad {key}")}]}),
            ),
            "/messages/rest/bulk" => Reply::json(500, json!({"error": key})),
            _ => Reply::json(403, json!({"error": format!("key {key} is not allowed")})),
        }
    })
    .await;
    let url = peer.url();
    for provider in ["clickatell", "clickatell-http"] {
        let (ok, stdout, stderr) = run(send(
            dir.path(),
            &[CLICKATELL],
            &[
                "--provider",
                provider,
                "--to",
                "+27820000001",
                "--text",
                "hi",
                "--base-url",
                &url,
            ],
        ))
        .await;
        assert!(!ok && stdout.is_empty(), "{provider}: {stdout}");
        // Clickatell refuses the message itself; the HTTP API refuses the
        // key (403), which is a failure to send, not a verdict on the message.
        let outcome = if provider == "clickatell" { "rejected" } else { "failed" };
        assert!(
            stderr.contains(outcome) && stderr.contains("REDACTED"),
            "{provider}: {stderr}"
        );
    }
    std::fs::write(dir.path().join("m.csv"), "to,text\n+27820000001,a\n").unwrap();
    let (ok, _, stderr) = run(send(
        dir.path(),
        &[CLICKATELL],
        &[
            "--provider",
            "clickatell",
            "--csv",
            "m.csv",
            "--base-url",
            &url,
            "--max-attempts",
            "1",
        ],
    ))
    .await;
    assert!(!ok && stderr.contains("HTTP 500"), "{stderr}");
    // Nothing listening: the error names the URL, never the key in it.
    let (ok, _, stderr) = run(send(
        dir.path(),
        &[CLICKATELL],
        &[
            "--provider",
            "clickatell-http",
            "--to",
            "+27820000001",
            "--text",
            "hi",
            "--base-url",
            "http://127.0.0.1:1",
            "--max-attempts",
            "1",
        ],
    ))
    .await;
    assert!(!ok && stderr.contains("cannot reach"), "{stderr}");
}

/// Arguments (besides one message), keys in the environment, and what the error says.
type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_message_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let peer = Peer::succeeding().await;
    let url = peer.url();
    let one = ["--to", "+27820000001", "--text", "hi", "--base-url", url.as_str()];
    let cases: Vec<Case> = vec![
        (
            vec!["--provider", "clickatell"],
            vec![],
            "set the environment variable SMSGATE_CLICKATELL_API_KEY",
        ),
        (
            vec!["--provider", "clearline"],
            vec![CLICKATELL],
            "set the environment variable SMSGATE_CLEARLINE_API_KEY",
        ),
        (
            vec!["--provider", "clearline"],
            vec![("SMSGATE_CLEARLINE_API_KEY", "a b")],
            "SMSGATE_CLEARLINE_API_KEY is not usable",
        ),
        (
            vec!["--provider", "smarthive"],
            vec![CLICKATELL],
            "unknown provider `smarthive`: expected clickatell, clickatell-http or clearline",
        ),
        (
            vec!["--provider", "clickatell", "--callback-url", "http://x"],
            vec![CLICKATELL],
            "--callback-url is only for clearline",
        ),
        (
            vec!["--provider", "clickatell", "--from", "ACME"],
            vec![CLICKATELL],
            "`ACME` is not a phone number",
        ),
        (
            vec!["--provider", "clearline", "--from", "+27830000000"],
            vec![CLEARLINE],
            "clearline takes no from (sender number)",
        ),
    ];
    for (args, keys, expected) in cases {
        let mut all = args.clone();
        all.extend(one);
        let (ok, _, stderr) = run(send(d, &keys, &all)).await;
        assert!(!ok && stderr.contains(expected), "{all:?}: {stderr}");
    }
    let bad_to = [
        "--provider",
        "clearline",
        "--to",
        "12ab",
        "--text",
        "hi",
        "--base-url",
        url.as_str(),
    ];
    let (ok, _, stderr) = run(send(d, &[CLEARLINE], &bad_to)).await;
    assert!(!ok && stderr.contains("--to: `12ab` is not a phone number"), "{stderr}");
    let (ok, _, stderr) = run(send(
        d,
        &[CLEARLINE],
        &["--provider", "clearline", "--to", "+27820000001"],
    ))
    .await;
    assert!(!ok && stderr.contains("--text"), "{stderr}");
    let (ok, _, stderr) = run(send(d, &[CLEARLINE], &["--provider", "clearline"])).await;
    assert!(!ok && stderr.contains("--to") && stderr.contains("--csv"), "{stderr}");

    std::fs::write(d.join("bad.csv"), "to,text\n+27820000001,a\n+2782000000x,b\n").unwrap();
    let csv = [
        "--provider",
        "clearline",
        "--csv",
        "bad.csv",
        "--base-url",
        url.as_str(),
    ];
    let (ok, _, stderr) = run(send(d, &[CLEARLINE], &csv)).await;
    assert!(
        !ok && stderr.contains("bad.csv, line 3, column to: `+2782000000x` is not a phone number"),
        "{stderr}"
    );
    std::fs::write(d.join("from.csv"), "to,text,client_message_id\n+27820000001,a,x1\n").unwrap();
    let (ok, _, stderr) = run(send(d, &[CLEARLINE], &["--provider", "clearline", "--csv", "from.csv"])).await;
    assert!(
        !ok && stderr.contains("from.csv, line 2: clearline takes no client_message_id"),
        "{stderr}"
    );
    std::fs::write(d.join("cols.csv"), "number,text\n+27820000001,a\n").unwrap();
    let (ok, _, stderr) = run(send(d, &[CLEARLINE], &["--provider", "clearline", "--csv", "cols.csv"])).await;
    assert!(!ok && stderr.contains("unknown column `number`"), "{stderr}");
    let (ok, _, stderr) = run(send(d, &[CLEARLINE], &["--provider", "clearline", "--csv", "nope.csv"])).await;
    assert!(!ok && stderr.contains("cannot read nope.csv"), "{stderr}");
    std::fs::write(d.join("ok.csv"), "to,text\n+27820000001,a\n").unwrap();
    let (ok, _, stderr) = run(send(
        d,
        &[CLEARLINE],
        &["--provider", "clearline", "--csv", "ok.csv", "--rate", "0"],
    ))
    .await;
    assert!(!ok && stderr.contains("invalid rate 0"), "{stderr}");
    assert!(peer.requests().is_empty(), "a request went out: {:?}", peer.requests());
}

#[tokio::test(flavor = "multi_thread")]
async fn database_records_the_submission_where_messages_show_finds_it() {
    let dir = tempfile::tempdir().unwrap();
    let peer = Peer::succeeding().await;
    let url = peer.url();
    let database = format!("sqlite:{}", dir.path().join("s.db").display());
    let (ok, _, stderr) = run(send(
        dir.path(),
        &[CLICKATELL],
        &[
            "--provider",
            "clickatell",
            "--to",
            "+27820000001",
            "--text",
            "hi",
            "--client-message-id",
            "order-9",
            "--base-url",
            &url,
            "--database",
            &database,
        ],
    ))
    .await;
    assert!(ok, "{stderr}");
    let mut show = Command::new(BIN);
    show.current_dir(dir.path()).args([
        "messages",
        "show",
        "clickatell",
        "id-27820000001",
        "--json",
        "--database",
        &database,
    ]);
    let output = tokio::task::spawn_blocking(move || show.output().unwrap())
        .await
        .unwrap();
    let view: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(view["status"], "accepted");
    assert_eq!(view["client_message_id"], "order-9");
    assert_eq!(view["events"][0]["raw_status"], "submitted");
}
