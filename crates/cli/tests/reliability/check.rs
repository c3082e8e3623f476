//! The store against the ledger: what every scenario asserts at its end,
//! and the figures it prints.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::Path;

use smsgate_normalize::Provider;
use smsgate_receiver_api::views::FeedEvent;
use std::sync::Arc;
use std::time::Duration;

use smsgate_test_support::load::{Callback, EventKey, Ledger, Load, Target};

pub const BIN: &str = env!("CARGO_BIN_EXE_smsgate");

pub fn bin() -> &'static Path {
    Path::new(BIN)
}

/// What a scenario sent and what the store holds.
#[derive(Debug)]
pub struct Figures {
    /// Distinct callbacks sent.
    pub sent: usize,
    /// Attempts, retries included.
    pub attempts: usize,
    /// Distinct callbacks acknowledged (2xx).
    pub acknowledged: usize,
    /// Distinct events in the store.
    pub stored: usize,
    /// Acknowledged but not stored: must be 0.
    pub lost: usize,
}

/// Opens the store at `database` (no load running any more) and checks
/// it against every acknowledgement in `ledger`: each acknowledged event is
/// stored, no event is stored twice, and each message whose `delivered` is
/// stored shows `delivered` (a late retry of the earlier report did not move
/// it back). Prints the figures under `scenario`.
pub async fn store_holds_every_acknowledged_event(
    scenario: &str,
    database: &str,
    callbacks: &[Callback],
    ledger: &Ledger,
) -> Figures {
    let store = smsgate_store::open(database)
        .await
        .expect("the store opens after the run");
    let mut stored: HashMap<EventKey, usize> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.events(after.as_deref(), 1000).await.expect("the feed reads");
        if page.events.is_empty() {
            break;
        }
        for event in page.events {
            if let FeedEvent::Status(event) = event {
                let key = (
                    event.provider.as_str().to_string(),
                    event.message_id,
                    event.status.as_str().to_string(),
                );
                *stored.entry(key).or_default() += 1;
            }
        }
        after = Some(page.next_cursor);
    }
    let twice: Vec<_> = stored.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{scenario}: events stored more than once: {twice:?}");

    let acknowledged = ledger.acknowledged();
    let lost: Vec<_> = acknowledged
        .iter()
        .map(|&i| callbacks[i].event())
        .filter(|key| !stored.contains_key(key))
        .collect();
    let sent: HashSet<usize> = ledger.attempts.iter().map(|(i, _)| *i).collect();
    let sent_events: HashSet<EventKey> = sent.iter().map(|&i| callbacks[i].event()).collect();
    let unexpected: Vec<_> = stored
        .keys()
        .filter(|key| !sent_events.contains(*key))
        .take(5)
        .collect();
    assert!(
        unexpected.is_empty(),
        "{scenario}: stored events nobody sent: {unexpected:?}"
    );

    for callback in callbacks
        .iter()
        .filter(|c| c.status == "delivered" && stored.contains_key(&c.event()))
    {
        let provider = Provider::parse(callback.provider).expect("a provider");
        let message = store
            .message(provider, &callback.message_id)
            .await
            .expect("the message reads")
            .expect("a stored message");
        assert_eq!(
            message.status.as_str(),
            "delivered",
            "{scenario}: {} {} moved back from delivered",
            callback.provider,
            callback.message_id
        );
    }
    let figures = Figures {
        sent: sent.len(),
        attempts: ledger.attempts.len(),
        acknowledged: acknowledged.len(),
        stored: stored.len(),
        lost: lost.len(),
    };
    let _ = writeln!(
        std::io::stderr(),
        "{scenario}: sent {}, attempts {} ({:?}), acknowledged {}, stored {}, lost {}",
        figures.sent,
        figures.attempts,
        ledger.tally(),
        figures.acknowledged,
        figures.stored,
        figures.lost
    );
    assert!(lost.is_empty(), "{scenario}: acknowledged but not stored: {lost:?}");
    figures
}

/// What providers do: send again whatever got no 2xx, until it does.
pub async fn retry_until_acknowledged(
    scenario: &str,
    target: &Target,
    callbacks: &Arc<Vec<Callback>>,
    ledger: &mut Ledger,
) {
    for _ in 0..20 {
        let pending = ledger.unacknowledged();
        if pending.is_empty() {
            return;
        }
        ledger.extend(Load::start(target, callbacks.clone(), pending, 4).finish().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "{scenario}: still not acknowledged after 20 retries: {:?}",
        ledger.unacknowledged()
    );
}
