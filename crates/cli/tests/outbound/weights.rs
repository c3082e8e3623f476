//! A weighted split: with `weights = [80, 20]`, about four in five
//! messages go first to the first provider and the rest to the second,
//! each message to one of them once.

use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, config, is_final, serve_sending, simulator};

const MESSAGES: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_splits_its_messages_by_weight() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let database = format!("sqlite:{}", dir.join("smsgate.db").display());
    let callbacks = Relay::start(Answers::Forward).await;
    let big = simulator(&callbacks.base, &[], &dir.join("big.log")).await;
    let small = simulator(&callbacks.base, &[], &dir.join("small.log")).await;
    let config = config(
        dir,
        &[("big", "clickatell", &big.base), ("small", "clearline", &small.base)],
        "",
        "[[routes]]\nname = \"split\"\nproviders = [\"big\", \"small\"]\nweights = [80, 20]\n",
    );
    let served = Served::start_async(serve_sending(dir, &database, &config)).await;
    callbacks.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);
    let mut ids = Vec::new();
    for n in 0..MESSAGES {
        ids.push(
            api.send_ok(&format!("+2782{n:07}"), "split").await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    api.wait_for(&ids, "a final status", is_final).await;
    let (big, small) = (big.accepted_per_recipient().await, small.accepted_per_recipient().await);
    assert_eq!(big.len() + small.len(), MESSAGES, "each message once, to one of them");
    assert!(big.keys().all(|to| !small.contains_key(to)));
    assert!(
        (65..=93).contains(&big.len()),
        "{} of {MESSAGES} through the 80% provider",
        big.len()
    );
}
