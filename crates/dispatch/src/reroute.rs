//! Rerouting a message whose delivery failed: a route with `reroute_on`
//! sends an accepted message once more, through its next provider, when
//! the provider that took it reports one of those statuses.
//!
//! The reports arrive as callbacks, on any replica, at any time; rather
//! than adding work to the callback path, the dispatcher follows the
//! store's event feed (the cursor consumers use, which never skips an
//! event) from a position kept in the store's settings, so a restart
//! resumes where it stopped. For each status event a route may reroute on,
//! it finds the attempt that submitted that provider message and puts the
//! message back in the queue; the store does that only once per message,
//! only while it is still `accepted` with that attempt as its latest, so
//! replicas following the same feed never reroute twice.

use std::sync::Arc;

use smsgate_normalize::Status;
use smsgate_normalize::views::{FeedEvent, StatusFeedEvent};
use smsgate_store::{Store, StoreError};

use crate::config::SendingConfig;

/// Where the feed position is kept.
const CURSOR_KEY: &str = "dispatch_reroute_cursor";
/// Events read at a time.
const PAGE: usize = 500;

pub(crate) struct Rerouter {
    store: Arc<dyn Store>,
    config: Arc<SendingConfig>,
    /// The statuses any route reroutes on.
    statuses: Vec<Status>,
    /// The feed position, once read from the store.
    cursor: Option<String>,
}

impl Rerouter {
    /// A rerouter, when some route reroutes.
    pub(crate) fn new(store: Arc<dyn Store>, config: Arc<SendingConfig>) -> Option<Rerouter> {
        let mut statuses: Vec<Status> = config
            .routes
            .iter()
            .flat_map(|r| r.reroute_on.iter().copied())
            .collect();
        statuses.sort_by_key(|s| s.as_str());
        statuses.dedup();
        (!statuses.is_empty()).then_some(Rerouter {
            store,
            config,
            statuses,
            cursor: None,
        })
    }

    /// Reads the feed up to its end; whether it put any message back in
    /// the queue.
    pub(crate) async fn follow(&mut self, now: i64) -> Result<bool, StoreError> {
        let mut cursor = match self.cursor.take() {
            Some(cursor) => cursor,
            None => self.store.setting_or_insert(CURSOR_KEY, "0").await?,
        };
        let mut rerouted = false;
        loop {
            let page = match self.store.events(Some(&cursor), PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    self.cursor = Some(cursor);
                    return Err(error);
                }
            };
            for event in &page.events {
                if let FeedEvent::Status(event) = event
                    && self.statuses.contains(&event.status)
                {
                    rerouted |= self.consider(event, now).await?;
                }
            }
            let more = page.events.len() == PAGE;
            if page.next_cursor != cursor {
                cursor = page.next_cursor;
                self.store.put_setting(CURSOR_KEY, &cursor).await?;
            }
            if !more {
                self.cursor = Some(cursor);
                return Ok(rerouted);
            }
        }
    }

    /// Reroutes the message `event` is about, if its route asks for it.
    async fn consider(&self, event: &StatusFeedEvent, now: i64) -> Result<bool, StoreError> {
        let attempt = self
            .store
            .attempt_of(event.provider, &event.message_id, event.client_message_id.as_deref())
            .await?;
        let Some(attempt) = attempt else { return Ok(false) };
        let Some(route) = self.config.routes.iter().find(|r| r.name == attempt.route) else {
            return Ok(false);
        };
        if !route.reroute_on.contains(&event.status) {
            return Ok(false);
        }
        let order = route.order(&attempt.id);
        let next = order
            .iter()
            .position(|p| *p == attempt.provider)
            .map(|index| index + 1)
            .filter(|next| *next < order.len());
        let Some(next) = next else { return Ok(false) };
        let next = u32::try_from(next).unwrap_or(u32::MAX);
        let rerouted = self.store.reroute(&attempt.id, attempt.number, next, now).await?;
        if rerouted {
            tracing::info!(
                id = %attempt.id,
                provider = %attempt.provider,
                status = %event.status,
                next = %order[next as usize],
                "rerouting: sending once more through the next provider"
            );
        }
        Ok(rerouted)
    }
}
