//! An operator's tour of a running deployment: the providers page's
//! figures against the event feed (plain HTTP), then, in chromium, signing
//! in, finding a message by its number, reading its timeline in order, an
//! outbound message that failed over, an inbound reply, replaying a
//! quarantined request until it leaves the list, the providers' plotted
//! delays, a phone-sized page, and signing out. Screenshots of each page
//! go to `target/console-screenshots/`.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use smsgate_test_support::secrets::API_TOKEN;

use crate::deployment::{CLICKATELL_DELIVERY_MS, US, ZA, deploy};
use crate::figures::{assert_same, from_the_feed, plotted_medians, statuses};
use crate::harness::{get_page, http, sign_in};
use crate::webdriver::Browser;

/// How far a measured delay may be from the played one: the submission's
/// time and the provider's acceptance are a request's round trip apart.
const ROUND_TRIP_MS: i64 = 1_500;
/// The delays the simulator's Clickatell deliveries can measure.
const PLAYED: std::ops::RangeInclusive<i64> =
    CLICKATELL_DELIVERY_MS - ROUND_TRIP_MS..=CLICKATELL_DELIVERY_MS + ROUND_TRIP_MS;

#[tokio::test]
async fn an_operator_finds_each_message_its_timeline_the_quarantine_and_the_providers_delays() {
    let deployment = deploy().await;
    let base = deployment.served.api_base.clone();
    let first_za = deployment.message_to(ZA[0]).clone();
    let provider_message = first_za["attempts"][0]["provider_message_id"]
        .as_str()
        .unwrap()
        .to_string();
    deployment
        .simulator
        .control(
            "inbound",
            json!({"type": "text", "related_message_id": provider_message, "text": "Yes please"}),
        )
        .await;

    // The figures, over plain HTTP, against the feed.
    let http = http();
    let cookie = sign_in(&http, &base).await;
    let (status, providers_page) = get_page(&http, &base, "/ui/providers?window=15m", &cookie).await;
    assert_eq!(status, 200);
    let feed = from_the_feed(&deployment, deployment.started_at - 60_000).await;
    assert_same(&providers_page, &feed);
    let clickatell = &feed["clickatell"];
    let p50 = clickatell.p50.expect("clickatell delivered messages");
    assert!(
        PLAYED.contains(&p50),
        "clickatell's median {p50} ms is its played delay"
    );
    assert_eq!(feed["clickatell"].messages, ZA.len() as u64);
    assert_eq!(feed["clearline"].messages, US.len() as u64);
    let medians = plotted_medians(&providers_page, "clickatell");
    assert!(!medians.is_empty(), "the plot has points");
    for median in medians {
        assert!(
            PLAYED.contains(&median),
            "a plotted median of {median} ms is within the played delay"
        );
    }

    let Some(browser) = Browser::start().await else { return };
    let client = &browser.client;

    client.goto(&format!("{base}/ui/")).await.unwrap();
    assert!(
        browser.path().await.starts_with("/ui/sign-in"),
        "no session: the sign-in form"
    );
    browser.screenshot("sign-in").await;
    client
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys("not the token")
        .await
        .unwrap();
    browser.click("form.stack button").await;
    let refused = browser.wait_for("#sign-in-error").await;
    assert!(refused.text().await.unwrap().contains("not the API token"));
    client
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(API_TOKEN)
        .await
        .unwrap();
    browser.click("form.stack button").await;
    browser.wait_for("form.search").await;
    assert_eq!(browser.path().await, "/ui/messages");

    // Find a message by its number.
    let number = client.find(Locator::Css("input[name=to]")).await.unwrap();
    number.send_keys(ZA[0]).await.unwrap();
    browser.click("form.search button").await;
    browser.wait_for("table#messages").await;
    assert_eq!(
        browser.attributes("tr.message", "data-id").await,
        std::slice::from_ref(&provider_message)
    );
    browser.screenshot("messages").await;

    // Its timeline: every event, in provider-time order.
    browser.click("tr.message td a").await;
    browser.wait_for("table#timeline").await;
    let expected = statuses(
        &deployment
            .api(&format!("/v1/messages/clickatell/{provider_message}"))
            .await,
    );
    assert_eq!(expected.first().map(String::as_str), Some("accepted"));
    assert_eq!(browser.attributes("tr.event", "data-status").await, expected);
    let shown_local = browser.attributes("time", "class").await;
    assert!(
        shown_local.iter().all(|c| c == "local"),
        "the script showed every time in the browser's zone"
    );
    let utc_titles = browser.attributes("time", "title").await;
    assert!(
        utc_titles.iter().all(|t| t.ends_with(" UTC")),
        "UTC on hover: {utc_titles:?}"
    );
    browser.screenshot("message").await;

    // The outbound message behind it, and one that failed over.
    browser.click("dl.facts a").await;
    browser.wait_for("table#attempts").await;
    assert_eq!(browser.attributes("tr.attempt", "data-kind").await, ["first"]);
    let failed_over = deployment.message_to(US[0])["id"].as_str().unwrap().to_string();
    client
        .goto(&format!("{base}/ui/outbound?id={failed_over}"))
        .await
        .unwrap();
    browser.wait_for("table#attempts").await;
    assert_eq!(
        browser.attributes("tr.attempt", "data-kind").await,
        ["first", "failover"]
    );
    browser.screenshot("outbound-failover").await;

    // The inbound reply.
    client.goto(&format!("{base}/ui/inbound")).await.unwrap();
    browser.wait_for("h1").await;
    let replies = client
        .find_all(Locator::Css("tr.inbound[data-type=text]"))
        .await
        .unwrap();
    assert_eq!(replies.len(), 1);
    assert!(replies[0].text().await.unwrap().contains("Yes please"));
    browser.screenshot("inbound").await;

    // Replay a quarantined request: it leaves the list.
    client.goto(&format!("{base}/ui/quarantine")).await.unwrap();
    browser.wait_for("h1").await;
    assert_eq!(browser.attributes("article.quarantined", "data-id").await, ["1", "2"]);
    browser.screenshot("quarantine").await;
    browser.click("article[data-id='1'] button").await;
    let notice = browser.wait_for("#replay-notice").await;
    assert!(notice.text().await.unwrap().contains("Request #1 replayed"));
    assert_eq!(browser.attributes("article.quarantined", "data-id").await, ["2"]);
    browser.screenshot("quarantine-replayed").await;

    // The providers' delays, plotted.
    client.goto(&format!("{base}/ui/providers?window=15m")).await.unwrap();
    browser.wait_for("svg#delays-clickatell").await;
    let plotted = browser
        .attributes("svg#delays-clickatell circle[data-series=p50]", "data-value")
        .await;
    assert!(!plotted.is_empty());
    for value in plotted {
        let median: f64 = value.parse().unwrap();
        assert!(PLAYED.contains(&(median as i64)), "a plotted median of {median} ms");
    }
    browser.screenshot("providers").await;

    // Readable on a phone.
    browser.phone().await;
    client
        .goto(&format!("{base}/ui/messages?to={}", ZA[1].replace('+', "%2B")))
        .await
        .unwrap();
    browser.wait_for("table#messages").await;
    browser.screenshot("messages-phone").await;

    browser.click("header.top form button").await;
    browser.wait_for("#token").await;
    client.goto(&format!("{base}/ui/quarantine")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(browser.path().await.starts_with("/ui/sign-in"), "signed out");
    browser.close().await;
}
