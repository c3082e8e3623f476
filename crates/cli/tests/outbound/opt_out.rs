//! Opt-outs honoured everywhere: a STOP reply through one provider's
//! callback keeps every later message to that number from every provider
//! (stored `rejected`, `error: "opted_out"`); START lets them through
//! again; the API adds and removes numbers too.

use std::path::Path;

use serde_json::{Value, json};
use smsgate_test_support::postgres::{PgSchema, postgres_url};
use smsgate_test_support::secrets::API_TOKEN;
use smsgate_test_support::serve::Served;

use crate::harness::{Answers, Api, Relay, Simulator, config, is_final, serve_sending, simulator};

const NUMBER: &str = "+27820000001";

async fn run(dir: &Path, database: &str) {
    let callbacks = Relay::start(Answers::Forward).await;
    let clickatell = simulator(&callbacks.base, &[], &dir.join("clickatell.log")).await;
    let clearline = simulator(&callbacks.base, &[], &dir.join("clearline.log")).await;
    // Replies come in through Clickatell; sending goes through ClearLine.
    let config = config(
        dir,
        &[
            ("cl", "clickatell", &clickatell.base),
            ("ln", "clearline", &clearline.base),
        ],
        "",
        "[[routes]]\nname = \"via-clickatell\"\nproviders = [\"cl\"]\n\
         [[routes]]\nname = \"via-clearline\"\nprefixes = [\"+27\"]\nproviders = [\"ln\"]\n",
    );
    let served = Served::start_async(serve_sending(dir, database, &config)).await;
    callbacks.point_at(&served.callback_base);
    let api = Api::new(&served.api_base);

    // STOP through Clickatell, from the number without its `+`.
    reply(&clickatell, "27820000001", " stop ").await;
    let listed = api.get_json("/v1/opt-outs").await;
    assert_eq!(
        listed["numbers"],
        json!([{"number": NUMBER, "since": listed["numbers"][0]["since"], "source": "inbound:clickatell"}]),
        "{listed}"
    );
    let refused = api.send_ok(NUMBER, "after STOP").await;
    assert_eq!(
        (refused["status"].as_str(), refused["error"].as_str()),
        (Some("rejected"), Some("opted_out"))
    );
    assert_eq!(refused["route"], "via-clearline");

    // START through Clickatell: messages go again.
    reply(&clickatell, "27820000001", "START").await;
    assert_eq!(api.get_json("/v1/opt-outs").await["numbers"], json!([]));
    let sent = api.send_ok(NUMBER, "after START").await;
    let id = sent["id"].as_str().unwrap().to_string();

    // Through the API.
    let other = "+27820000002";
    let added = request(&api, reqwest::Method::PUT, &format!("/v1/opt-outs/{other}")).await;
    assert_eq!(
        (added["number"].as_str(), added["source"].as_str()),
        (Some(other), Some("api"))
    );
    assert_eq!(api.send_ok(other, "opted out by the API").await["error"], "opted_out");
    request(&api, reqwest::Method::DELETE, &format!("/v1/opt-outs/{other}")).await;
    let again = api.send_ok(other, "opted in again").await;
    let ids = [id, again["id"].as_str().unwrap().to_string()];
    api.wait_for(&ids, "a final status", is_final).await;

    let counts = clearline.accepted_per_recipient().await;
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [(NUMBER.to_string(), 1), (other.to_string(), 1)],
        "only the messages sent while opted in reached a provider"
    );
    assert!(clickatell.accepted().await.is_empty());
}

/// A text from `from` through the simulator's Clickatell reply callback.
async fn reply(simulator: &Simulator, from: &str, text: &str) {
    let outcome = simulator
        .control("inbound", json!({"type": "sms_reply", "from": from, "text": text}))
        .await;
    assert_eq!(outcome["callback"]["state"], "delivered", "{outcome}");
}

async fn request(api: &Api, method: reqwest::Method, path: &str) -> Value {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", api.base))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_through_one_provider_keeps_every_provider_from_the_number_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    run(dir.path(), &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_through_one_provider_keeps_every_provider_from_the_number_on_postgres() {
    let Some(url) = postgres_url("opt-outs on PostgreSQL") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &schema.database_url(&url)).await;
}
