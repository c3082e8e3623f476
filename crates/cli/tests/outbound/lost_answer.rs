//! A lost answer: the provider takes the message but the connection drops
//! before its answer. The attempt is `uncertain` and nothing is sent to the
//! backup; the provider's callbacks, which carry the outbound id
//! (Clickatell's `clientMessageId`, the parameter of ClearLine's callback
//! URL), link the message, which reaches its final status.

use std::path::Path;

use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, attempts, config, is_final, serve_sending, simulator};

async fn run(dir: &Path, database: &str) {
    let callbacks = Relay::start(Answers::Forward).await;
    let provider = simulator(&callbacks.base, &[], &dir.join("provider.log")).await;
    let backup = simulator(&callbacks.base, &[], &dir.join("backup.log")).await;
    let lossy = Relay::start(Answers::Drop).await;
    lossy.point_at(&provider.base);
    let config = config(
        dir,
        &[
            ("lossy-clickatell", "clickatell", &lossy.base),
            ("lossy-clearline", "clearline", &lossy.base),
            ("backup", "clearline", &backup.base),
        ],
        "timeout_seconds = 5",
        "[[routes]]\nname = \"via-clickatell\"\nprefixes = [\"+2782\"]\nproviders = [\"lossy-clickatell\", \"backup\"]\n\
         [[routes]]\nname = \"via-clearline\"\nprefixes = [\"+2783\"]\nproviders = [\"lossy-clearline\", \"backup\"]\n",
    );
    let served = Served::start_async(serve_sending(dir, database, &config)).await;
    callbacks.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);
    let mut ids = Vec::new();
    for to in ["+27820000001", "+27830000001"] {
        ids.push(api.send_ok(to, "lost answer").await["id"].as_str().unwrap().to_string());
    }
    let views = api.wait_for(&ids, "a final status", is_final).await;
    let taken = provider.accepted().await;
    assert_eq!(taken.len(), 2, "each message reached the provider once: {taken:?}");
    assert!(backup.accepted().await.is_empty(), "nothing went to the backup");
    for view in &views {
        let route = view["route"].as_str().unwrap();
        let name = if route == "via-clickatell" {
            "lossy-clickatell"
        } else {
            "lossy-clearline"
        };
        assert_eq!(attempts(view), [format!("{name}:uncertain")], "{view:#}");
        let played = taken.iter().find(|m| m["to"] == view["to"]).unwrap();
        assert_eq!(view["status"], played["outcome"], "{view:#}");
        assert_eq!(
            view["attempts"][0]["provider_message_id"], played["message_id"],
            "the provider's id, learnt from its callbacks: {view:#}"
        );
        let events = view["events"].as_array().unwrap();
        assert!(
            !events.is_empty() && events.iter().all(|e| e["provider"] == name),
            "{view:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_uncertain_then_linked_by_the_callbacks_without_a_second_send() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}
