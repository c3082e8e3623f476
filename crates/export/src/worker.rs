//! One export's loop, run by every replica: hold the export's lease (or
//! stand by while another replica holds it), read the event feed from the
//! export's cursor a page at a time, keep the events its filter wants,
//! hand them to the sink, and store the new cursor, the dead letters and
//! the latest error in one step, which only a replica still holding the
//! lease can store. A restart or `kill -9` therefore resumes at the last
//! stored cursor: events after it are sent again (at least once), never
//! skipped.
//!
//! Replays (time ranges queued through the API) are read from their own
//! positions in the same feed, a page in turn with the live feed, so that a
//! long replay does not hold the live events up. An event a replay delivers
//! leaves the dead letters.
//!
//! While a page is being delivered (a webhook's retries may take minutes)
//! the lease is renewed beside it; a replica that finds the lease taken
//! drops the page and stands by.

use std::sync::Arc;
use std::time::Duration;

use smsgate_normalize::views::FeedEvent;
use smsgate_store::Store;
use smsgate_store::exports::{ExportProgress, Replay, ReplayProgress};
use tokio::sync::watch;

use crate::backoff::delay;
use crate::clock::now_millis;
use crate::config::ExportConfig;
use crate::metrics::ExportMetrics;
use crate::sent::Sent;
use crate::sink::Sink;

/// Events read from the feed at a time.
const PAGE: usize = 500;
/// The wait for new events once the feed is read to its end.
const IDLE: Duration = Duration::from_millis(200);

pub(crate) struct Worker {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: ExportConfig,
    /// This replica, as leases name it.
    pub(crate) owner: String,
    pub(crate) sink: Sink,
    pub(crate) metrics: ExportMetrics,
    pub(crate) holding: Option<Holding>,
    /// Whether the next page is a replay's (when one is queued).
    pub(crate) replay_turn: bool,
}

/// What this replica knows while it holds the export.
pub(crate) struct Holding {
    cursor: Option<String>,
    replays: Vec<Replay>,
    /// When to renew the lease (and read the queued replays again).
    renew_at: i64,
}

/// What one turn of the loop did.
enum Turn {
    /// A page went out (or was skipped by the filter): the next one at once.
    Moved,
    /// Nothing new.
    Idle,
    /// Another replica holds the export.
    Standby,
    /// A page (or the store) failed: the next try after a wait.
    Failed(String),
}

impl Worker {
    /// Runs until `stop` says so.
    pub(crate) async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut failures = 0;
        let mut standing_by = false;
        loop {
            let turn = tokio::select! {
                turn = self.turn() => turn,
                _ = stop.changed() => return,
            };
            let wait = match turn {
                Turn::Moved => Duration::ZERO,
                Turn::Idle => IDLE,
                Turn::Standby => self.config.lease / 3,
                Turn::Failed(_) => delay(&self.config.retry_schedule, failures + 1),
            };
            match &turn {
                Turn::Failed(error) => {
                    failures += 1;
                    tracing::warn!(export = %self.config.name, %error, retry_in_ms = wait.as_millis() as u64, "export failed; retrying");
                }
                _ => failures = 0,
            }
            if matches!(turn, Turn::Standby) && !standing_by {
                tracing::info!(export = %self.config.name, "another replica runs this export; standing by");
            }
            standing_by = matches!(turn, Turn::Standby);
            if *stop.borrow() {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
        }
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX)
    }

    async fn turn(&mut self) -> Turn {
        let now = now_millis();
        if self.holding.as_ref().is_none_or(|h| now >= h.renew_at) {
            let lease = self.lease_ms();
            match self
                .store
                .hold_export(&self.config.name, &self.owner, now, now + lease)
                .await
            {
                Ok(Some(held)) => {
                    if self.holding.is_none() {
                        tracing::info!(export = %self.config.name, kind = self.config.target.kind(), cursor = held.cursor.as_deref().unwrap_or("start"), "running the export");
                    }
                    self.holding = Some(Holding {
                        cursor: held.cursor,
                        replays: held.replays,
                        renew_at: now + lease / 3,
                    });
                }
                Ok(None) => {
                    self.holding = None;
                    return Turn::Standby;
                }
                Err(error) => return Turn::Failed(format!("the store: {error}")),
            }
        }
        if let Err(error) = self.sink.ready().await {
            self.metrics.failed(&self.config.name);
            let failed = Sent {
                error: Some(error.clone()),
                ..Sent::default()
            };
            return match self.save(failed, None, None, Vec::new(), false).await {
                Ok(Turn::Standby) => Turn::Standby,
                _ => Turn::Failed(error),
            };
        }
        self.replay_turn = !self.replay_turn;
        let replay = self
            .holding
            .as_ref()
            .and_then(|h| h.replays.first().cloned())
            .filter(|_| self.replay_turn);
        let result = match replay {
            Some(replay) => self.replay_page(replay).await,
            None => self.feed_page().await,
        };
        result.unwrap_or_else(|error| Turn::Failed(format!("the store: {error}")))
    }

    /// The next page of the live feed.
    async fn feed_page(&mut self) -> Result<Turn, smsgate_store::StoreError> {
        let cursor = self.holding.as_ref().and_then(|h| h.cursor.clone());
        let page = self.store.events(cursor.as_deref(), PAGE).await?;
        if page.events.is_empty() {
            return Ok(Turn::Idle);
        }
        let wanted: Vec<FeedEvent> = page
            .events
            .into_iter()
            .filter(|e| self.config.filter.matches(e))
            .collect();
        let Some(sent) = self.send_holding(&wanted).await else {
            return Ok(Turn::Standby);
        };
        let complete = sent.handled == wanted.len();
        let moved_to = if complete {
            Some(page.next_cursor)
        } else {
            sent.handled
                .checked_sub(1)
                .map(|last| wanted[last].cursor().to_string())
        };
        let turn = self.save(sent, moved_to.clone(), None, Vec::new(), complete).await?;
        if let (Some(holding), Some(moved_to)) = (self.holding.as_mut(), moved_to) {
            holding.cursor = Some(moved_to);
        }
        Ok(turn)
    }

    /// The next page of the oldest queued replay.
    async fn replay_page(&mut self, replay: Replay) -> Result<Turn, smsgate_store::StoreError> {
        let page = self.store.events(replay.position.as_deref(), PAGE).await?;
        let at_end = page.events.len() < PAGE;
        let wanted: Vec<FeedEvent> = page
            .events
            .into_iter()
            .filter(|e| {
                let at = e.received_at();
                self.config.filter.matches(e) && replay.since.is_none_or(|since| at >= since) && at <= replay.until
            })
            .collect();
        let Some(sent) = self.send_holding(&wanted).await else {
            return Ok(Turn::Standby);
        };
        let complete = sent.handled == wanted.len();
        let progress = if complete && at_end {
            Some(ReplayProgress::Done { id: replay.id })
        } else if complete {
            Some(ReplayProgress::At {
                id: replay.id,
                position: page.next_cursor,
            })
        } else {
            sent.handled.checked_sub(1).map(|last| ReplayProgress::At {
                id: replay.id,
                position: wanted[last].cursor().to_string(),
            })
        };
        let dead: Vec<&str> = sent.dead.iter().map(|d| d.event.cursor()).collect();
        let delivered: Vec<String> = wanted[..sent.handled]
            .iter()
            .map(|e| e.cursor())
            .filter(|c| !dead.contains(c))
            .map(str::to_string)
            .collect();
        let turn = self.save(sent, None, progress.clone(), delivered, complete).await?;
        if let (Some(holding), Some(progress)) = (self.holding.as_mut(), progress) {
            match progress {
                ReplayProgress::Done { id } => holding.replays.retain(|r| r.id != id),
                ReplayProgress::At { id, position } => {
                    if let Some(replay) = holding.replays.iter_mut().find(|r| r.id == id) {
                        replay.position = Some(position);
                    }
                }
            }
        }
        Ok(turn)
    }

    /// Hands `events` to the sink while renewing the lease beside it;
    /// `None` when another replica took the export meanwhile.
    async fn send_holding(&mut self, events: &[FeedEvent]) -> Option<Sent> {
        if events.is_empty() {
            return Some(Sent::default());
        }
        let renew = keep_lease(
            Arc::clone(&self.store),
            self.config.name.clone(),
            self.owner.clone(),
            self.config.lease,
        );
        tokio::select! {
            sent = self.sink.send(events) => Some(sent),
            () = renew => {
                self.holding = None;
                None
            }
        }
    }

    /// Stores one step; the turn it makes.
    async fn save(
        &mut self,
        sent: Sent,
        cursor: Option<String>,
        replay: Option<ReplayProgress>,
        delivered: Vec<String>,
        complete: bool,
    ) -> Result<Turn, smsgate_store::StoreError> {
        let name = &self.config.name;
        let dead_letters = sent.dead.len();
        let error = sent.error.clone();
        let progress = ExportProgress {
            cursor,
            replay,
            dead_letters: sent.dead,
            delivered,
            last_error: sent.error,
        };
        let now = now_millis();
        let lease = self.lease_ms();
        if !self.store.save_export(name, &self.owner, now + lease, progress).await? {
            self.holding = None;
            return Ok(Turn::Standby);
        }
        self.metrics.dead_lettered(name, dead_letters);
        if let Some(holding) = self.holding.as_mut() {
            holding.renew_at = now + lease / 3;
        }
        Ok(match error {
            Some(error) if !complete || self.sink.retries_pages() => Turn::Failed(error),
            _ => Turn::Moved,
        })
    }
}

/// Renews the lease on `name` every third of `lease`; returns once
/// another replica holds it.
async fn keep_lease(store: Arc<dyn Store>, name: String, owner: String, lease: Duration) {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    loop {
        tokio::time::sleep(lease / 3).await;
        let now = now_millis();
        match store.hold_export(&name, &owner, now, now + lease_ms).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::warn!(export = %name, "another replica took the export over; dropping the page in flight");
                return;
            }
            // The store is out of reach for every replica alike: keep the page going.
            Err(error) => tracing::warn!(export = %name, %error, "could not renew the export's lease"),
        }
    }
}
