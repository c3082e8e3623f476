//! `smsgate simulate` as a user runs it: bad flag values are refused with a
//! message saying what is expected; a good start prints where to send, the
//! generated key and the seed, and serves the control endpoint.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn smsgate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_smsgate"))
        .args(args)
        .env_remove("SMSGATE_CALLBACK_TOKEN")
        .output()
        .expect("smsgate runs")
}

#[test]
fn bad_values_are_explained() {
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--duplicate-rate", "1.5"],
            &["--duplicate-rate", "expected a fraction from 0 to 1", "1.5"],
        ),
        (
            &["--fail-rate=-0.1"],
            &["--fail-rate", "expected a fraction from 0 to 1", "-0.1"],
        ),
        (&["--delay-ms", "soon"], &["--delay-ms", "soon"]),
        (
            &["--speed", "0"],
            &["--speed", "expected a whole number from 1 up", "`0`"],
        ),
        (
            &["--listen", "nowhere"],
            &["invalid --listen `nowhere`", "127.0.0.1:8090"],
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["simulate", "--callback-base", "http://127.0.0.1:9"];
        all.extend_from_slice(args);
        let output = smsgate(&all);
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        for text in expected {
            assert!(stderr.contains(text), "{args:?}: `{text}` not in {stderr}");
        }
    }
    let output = smsgate(&[
        "simulate",
        "--listen",
        "127.0.0.1:0",
        "--callback-base",
        "ftp://receiver",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid callback base `ftp://receiver`: expected an http:// or https:// URL"),
        "{stderr}"
    );
}

#[tokio::test]
async fn it_prints_where_to_send_the_key_and_the_seed_then_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smsgate"))
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--callback-base",
            "http://127.0.0.1:9",
            "--seed",
            "42",
        ])
        .env_remove("SMSGATE_SIMULATOR_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("smsgate starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Seed:");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let base = printed[0]
        .split_whitespace()
        .nth(3)
        .expect("the simulator's URL")
        .trim_end_matches(',')
        .to_string();
    assert!(text.contains("Seed: 42 (pass --seed 42 to replay this run)"), "{text}");
    let key_line = printed
        .iter()
        .find(|l| l.starts_with("API key (generated"))
        .expect("the generated key");
    assert!(key_line.rsplit(' ').next().unwrap().len() >= 32, "{key_line}");
    let listing: serde_json::Value = reqwest::get(format!("{base}/simulator/messages"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listing,
        serde_json::json!({"messages": [], "refused": 0, "throttled": 0})
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
