//! The providers page's figures against the same figures computed here,
//! independently, from the raw event feed (`/v1/events`): per provider,
//! the messages first seen in the window, the delivery rate over finished
//! messages, and the nearest-rank p50/p90/p99 of the delay from submission
//! to delivery.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::deployment::Deployment;

/// One provider's figures, as the page shows them or as computed here.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub messages: u64,
    pub rate: Option<f64>,
    pub p50: Option<i64>,
    pub p90: Option<i64>,
    pub p99: Option<i64>,
}

/// What the feed says of one message.
#[derive(Debug, Default)]
struct Seen {
    first_seen: i64,
    submitted: Option<i64>,
    delivered: Option<i64>,
    rank: u32,
    terminal: bool,
}

fn rank(status: &str) -> (u32, bool) {
    match status {
        "accepted" => (10, false),
        "sent" => (30, false),
        "buffered" => (40, false),
        "undelivered" | "expired" | "rejected" | "cancelled" => (80, true),
        "delivered" => (90, true),
        "read" => (100, true),
        _ => (0, false),
    }
}

fn earliest(current: Option<i64>, at: i64) -> Option<i64> {
    Some(current.map_or(at, |c| c.min(at)))
}

/// The figures per provider of the messages first seen at or after `since`,
/// from every event of the feed.
pub async fn from_the_feed(deployment: &Deployment, since: i64) -> BTreeMap<String, Figures> {
    let mut messages: BTreeMap<(String, String), Seen> = BTreeMap::new();
    let mut after = String::from("0");
    loop {
        let page = deployment.api(&format!("/v1/events?after={after}&limit=1000")).await;
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            break;
        }
        for event in events.iter().filter(|e| e["kind"] == "status") {
            let key = (
                event["provider"].as_str().unwrap().to_string(),
                event["message_id"].as_str().unwrap().to_string(),
            );
            let received = event["received_at"].as_i64().unwrap();
            let at = event["occurred_at"].as_i64().unwrap_or(received);
            let status = event["status"].as_str().unwrap();
            let seen = messages.entry(key).or_insert(Seen {
                first_seen: received,
                ..Seen::default()
            });
            seen.first_seen = seen.first_seen.min(received);
            if status == "accepted" {
                seen.submitted = earliest(seen.submitted, at);
            }
            if matches!(status, "delivered" | "read") {
                seen.delivered = earliest(seen.delivered, at);
            }
            let (rank, terminal) = rank(status);
            if rank > seen.rank {
                (seen.rank, seen.terminal) = (rank, terminal);
            }
        }
        after = page["next_cursor"].as_str().unwrap().to_string();
    }
    let mut figures = BTreeMap::new();
    let providers: Vec<String> = messages.keys().map(|(p, _)| p.clone()).collect();
    for provider in providers {
        let mine: Vec<&Seen> = messages
            .iter()
            .filter(|((p, _), seen)| *p == provider && seen.first_seen >= since)
            .map(|(_, seen)| seen)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let finished = mine.iter().filter(|s| s.terminal).count();
        let delivered = mine.iter().filter(|s| s.rank >= 90).count();
        let mut delays: Vec<i64> = mine
            .iter()
            .filter_map(|s| Some((s.delivered? - s.submitted?).max(0)))
            .collect();
        delays.sort_unstable();
        let nearest_rank = |p: usize| (!delays.is_empty()).then(|| delays[(delays.len() * p).div_ceil(100) - 1]);
        figures.insert(
            provider,
            Figures {
                messages: mine.len() as u64,
                rate: (finished > 0).then(|| delivered as f64 / finished as f64),
                p50: nearest_rank(50),
                p90: nearest_rank(90),
                p99: nearest_rank(99),
            },
        );
    }
    figures
}

/// The figures the providers page shows for `provider` (its totals' `data-`
/// attributes); `None` when its section says it has no message.
pub fn on_the_page(page: &str, provider: &str) -> Option<Figures> {
    let start = page.find(&format!(r#"data-provider="{provider}""#))?;
    let section = &page[start..start + page[start..].find("</section>")?];
    let totals = &section[section.find(r#"class="facts totals""#)?..];
    let totals = &totals[..totals.find('>')?];
    let attribute = |name: &str| -> Option<&str> {
        let at = totals.find(&format!(r#"data-{name}=""#))? + name.len() + 7;
        Some(&totals[at..at + totals[at..].find('"')?])
    };
    Some(Figures {
        messages: attribute("messages")?.parse().ok()?,
        rate: attribute("rate").map(|r| r.parse().unwrap()),
        p50: attribute("p50").map(|p| p.parse().unwrap()),
        p90: attribute("p90").map(|p| p.parse().unwrap()),
        p99: attribute("p99").map(|p| p.parse().unwrap()),
    })
}

/// The providers' figures on `page` equal those of the feed.
pub fn assert_same(page: &str, feed: &BTreeMap<String, Figures>) {
    for provider in ["clickatell", "smarthive", "clearline"] {
        let shown = on_the_page(page, provider);
        match (shown, feed.get(provider)) {
            (None, None) => {}
            (Some(shown), Some(computed)) => {
                let rates_agree = match (shown.rate, computed.rate) {
                    (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                    (a, b) => a == b,
                };
                assert!(
                    rates_agree,
                    "{provider}: rate {:?} on the page, {:?} from the feed",
                    shown.rate, computed.rate
                );
                assert_eq!(
                    (shown.messages, shown.p50, shown.p90, shown.p99),
                    (computed.messages, computed.p50, computed.p90, computed.p99),
                    "{provider}: the page's figures against the feed's"
                );
            }
            (shown, computed) => panic!("{provider}: on the page {shown:?}, from the feed {computed:?}"),
        }
    }
}

/// The p50 delays the plot's points carry for `provider`.
pub fn plotted_medians(page: &str, provider: &str) -> Vec<i64> {
    let id = format!(r#"id="delays-{provider}""#);
    let Some(start) = page.find(&id) else { return Vec::new() };
    let plot = &page[start..start + page[start..].find("</svg>").unwrap()];
    plot.split(r#"data-series="p50""#)
        .skip(1)
        .map(|rest| {
            let at = rest.find(r#"data-value=""#).unwrap() + 12;
            let value: f64 = rest[at..at + rest[at..].find('"').unwrap()].parse().unwrap();
            value as i64
        })
        .collect()
}

/// A message's status events, in order, as the API gives them.
pub fn statuses(view: &Value) -> Vec<String> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect()
}
