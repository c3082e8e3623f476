//! What `POST /v1/outbound` takes and refuses: idempotency keys (repeated,
//! also at once, and reused with another body), bad numbers, empty texts,
//! unknown routes, a text too long; sending without routes configured; a
//! config file with a mistake; and the CLI's `send --server` and
//! `outbound show`.

use serde_json::{Value, json};
use smsgate_test_support::serve::{Served, serve_with_test_secrets, smsgate_command};

use crate::harness::{Answers, Api, BIN, KEY_ENV, PROVIDER_KEY, Relay, config, is_final, serve_sending, simulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_and_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let callbacks = Relay::start(Answers::Forward).await;
    let provider = simulator(&callbacks.base, &[], &dir.path().join("provider.log")).await;
    let config = config(
        dir.path(),
        &[("only", "clickatell", &provider.base)],
        "",
        "[[routes]]\nname = \"za\"\nprefixes = [\"+27\"]\nproviders = [\"only\"]\n",
    );
    let served = Served::start_async(serve_sending(dir.path(), &database, &config)).await;
    callbacks.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);

    // The same key and body twice: one message.
    let body = json!({"to": "+27820000001", "text": "once", "reference": "order-1"});
    let (status, first) = api.send(&body, Some("key-1")).await.unwrap();
    assert_eq!(status, 202, "{first}");
    let (status, again) = api.send(&body, Some("key-1")).await.unwrap();
    assert_eq!((status, &again["id"]), (202, &first["id"]), "{again}");
    // Another body under that key: 422.
    let (status, refused) = api
        .send(&json!({"to": "+27820000001", "text": "other"}), Some("key-1"))
        .await
        .unwrap();
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("Idempotency-Key"),
        "{refused}"
    );
    // Eight at once with a new key: one message.
    let body = json!({"to": "+27820000002", "text": "once, at once"});
    let answers = futures_join(&api, &body, "key-2", 8).await;
    assert!(
        answers
            .iter()
            .all(|(status, m)| *status == 202 && m["id"] == answers[0].1["id"]),
        "{answers:?}"
    );

    // Bad requests: 400 saying what is expected.
    for (body, expected) in [
        (json!({"to": "27820000003", "text": "x"}), "expected an E.164 number"),
        (json!({"to": "+2782", "text": "x"}), "expected an E.164 number"),
        (json!({"to": "+27820000003", "text": ""}), "`text` is empty"),
        (
            json!({"to": "+27820000003", "text": "x", "route": "eu"}),
            "unknown route `eu`",
        ),
        (json!({"to": "+4420000003", "text": "x"}), "no route takes +4420000003"),
    ] {
        let (status, answer) = api.send(&body, None).await.unwrap();
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(expected),
            "{body}: {answer}"
        );
    }
    // A text no provider takes: stored, rejected with the reason, never sent.
    let (status, long) = api
        .send(&json!({"to": "+27820000004", "text": "x".repeat(1600)}), None)
        .await
        .unwrap();
    assert_eq!((status, long["status"].as_str()), (202, Some("rejected")), "{long}");
    assert!(long["error"].as_str().unwrap().contains("11 SMS parts"), "{long}");
    assert_eq!(long["segments"], 11);

    // Through the CLI: send --server, then outbound show.
    let sent = cli(
        &served,
        &[
            "send",
            "--server",
            &served.api_base,
            "--to",
            "+27820000005",
            "--text",
            "from the CLI",
            "--json",
        ],
    );
    let sent: Value = serde_json::from_str(&sent).unwrap();
    let id = sent["id"].as_str().unwrap().to_string();
    // Through the generated client, as another service sends.
    let token = smsgate::ApiKey::new(served.api_token.clone()).unwrap();
    let client = smsgate::api::Client::with_api_key(&served.api_base, token);
    let request = smsgate::api::types::OutboundRequest {
        to: "+27820000006".into(),
        text: "from smsgate::api".into(),
        from: None,
        reference: Some("svc-1".into()),
        route: Some("za".into()),
    };
    let by_client = client
        .send_outbound()
        .idempotency_key("client-1")
        .body(request.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    let repeated = client
        .send_outbound()
        .idempotency_key("client-1")
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(repeated.status(), 202);
    assert_eq!(repeated.into_inner().id, by_client.id);
    let read = client
        .get_outbound()
        .id(&by_client.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((read.reference.as_deref(), read.route.as_str()), (Some("svc-1"), "za"));
    let missing = client.get_outbound().id("ob_none").send().await.unwrap_err();
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    // Paged in acceptance order, the rejected one included.
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut call = client.list_outbound().limit(2u32);
        if let Some(after) = &cursor {
            call = call.after(after.clone());
        }
        let page = call.send().await.unwrap().into_inner();
        if page.messages.is_empty() {
            break;
        }
        listed.extend(page.messages.into_iter().map(|m| m.id));
        cursor = Some(page.next_cursor);
    }
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert_eq!(listed.last(), Some(&by_client.id));

    let ids = [
        first["id"].as_str().unwrap().to_string(),
        answers[0].1["id"].as_str().unwrap().to_string(),
        id.clone(),
        by_client.id.clone(),
    ];
    api.wait_for(&ids, "a final status", is_final).await;
    let shown = cli(&served, &["outbound", "show", &id, "--server", &served.api_base]);
    assert!(
        shown.starts_with(&format!("{id} to +27820000005 via route za: ")),
        "{shown}"
    );
    assert!(shown.contains("only") && shown.contains("accepted"), "{shown}");

    let counts = provider.accepted_per_recipient().await;
    let expected: Vec<(String, usize)> = ["+27820000001", "+27820000002", "+27820000005", "+27820000006"]
        .into_iter()
        .map(|to| (to.to_string(), 1))
        .collect();
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        expected,
        "each message sent once, the rejected one never"
    );
}

/// `n` requests with one key and body at once.
async fn futures_join(api: &Api, body: &Value, key: &str, n: usize) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (api, body, key) = (api.clone(), body.clone(), key.to_string());
            tokio::spawn(async move { api.send(&body, Some(&key)).await.unwrap() })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Runs the CLI against `served`; its stdout (it must succeed).
fn cli(served: &Served, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = smsgate_command(BIN.as_ref(), dir.path(), &[])
        .args(args)
        .env("SMSGATE_API_TOKEN", &served.api_token)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn without_routes_sending_says_how_to_configure_it() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let served = Served::start_async(serve_with_test_secrets(BIN.as_ref(), dir.path(), &database, &[])).await;
    let (status, answer) = Api::new(&served.api_base)
        .send(&json!({"to": "+27820000001", "text": "x"}), None)
        .await
        .unwrap();
    assert_eq!(status, 503, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("[[routes]]"), "{answer}");
}

#[test]
fn a_config_mistake_stops_serve_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smsgate.toml");
    std::fs::write(
        &path,
        format!(
            "[providers.primary]\napi = \"clickatell\"\napi_key_env = \"{KEY_ENV}\"\n\n\
             [[routes]]\nname = \"za\"\nproviders = [\"primary\", \"backup\"]\n"
        ),
    )
    .unwrap();
    let output = serve_sending(dir.path(), "sqlite:smsgate.db", &path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("smsgate.toml, line 7: route `za`: unknown provider `backup`: configured are primary"),
        "{stderr}"
    );
    assert!(!stderr.contains(PROVIDER_KEY), "{stderr}");
}
