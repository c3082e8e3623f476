//! The dispatcher that runs inside `smsgate serve`: it claims due messages
//! from the outbox, submits each through its route's next provider with
//! the generated clients (the gateways `smsgate send` uses), and settles
//! it by the rules of `decide`. Every step is in the store before the next
//! one starts: the attempt is recorded before its request leaves, so a
//! process killed at any point leaves nothing sent twice without cause.
//!
//! It wakes when a message is accepted (through [`Sending`]); it skips a
//! provider whose circuit breaker is open (see `breaker`) and polls
//! for retries that fall due. Several replicas on one PostgreSQL database
//! each run one; claims keep them off each other's messages.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smsgate_send::gateway::GatewayConfig;
use smsgate_send::{Failure, Gateway, Outcome, Outgoing, Route as Api};
use smsgate_store::outbox::{AttemptEnd, Claim, ClaimedOutbound, NewAttempt, OutboxState, Settle};
use smsgate_store::{Store, Submission};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::breaker::{Admission, Breakers};
use crate::clock::{millis, now_ms};
use crate::config::{ProviderConfig, SendingConfig};
use crate::decide::{self, Answer};
use crate::intake::OPTED_OUT;
use crate::pace::Pacing;
use crate::reroute::Rerouter;
use crate::sending::Sending;

/// How the dispatcher identifies itself and reaches back.
#[derive(Debug, Clone)]
pub struct DispatchOptions {
    /// Unique per running dispatcher (host, process, start time).
    pub owner: String,
    /// The base URL providers reach smsgate's callbacks by.
    pub public_url: String,
    /// The callback secret, put in ClearLine's per-message callback URL.
    pub callback_secret: smsgate::ApiKey,
    /// Messages in flight at once.
    pub concurrency: usize,
    /// How often to look for retries that fell due.
    pub poll: Duration,
}

impl DispatchOptions {
    pub const DEFAULT_CONCURRENCY: usize = 32;
    pub const DEFAULT_POLL: Duration = Duration::from_millis(250);
}

/// The query parameter of ClearLine's callback URL that carries the outbound id.
pub const OUTBOUND_PARAM: &str = "outbound";

/// A claim holds this long beyond the request it covers.
const LEASE_MARGIN: Duration = Duration::from_secs(10);

/// How often a dispatcher tells the others it runs (and learns their
/// number and pauses), and reads the event feed for deliveries to reroute.
const TICK: Duration = Duration::from_secs(1);

/// A dispatcher not heard of for this long no longer shares the rates.
const LIVE_WITHIN: Duration = Duration::from_secs(5);

/// The longest a message waits in place for its turn at a provider's rate;
/// further off, it goes back to the queue.
const MAX_PACING_WAIT: Duration = Duration::from_secs(2);

/// How long a provider that answered 429 without `Retry-After` is left alone.
const DEFAULT_THROTTLE_PAUSE: Duration = Duration::from_secs(1);

/// Settling is tried this many times before the claim is left to lapse.
const SETTLE_TRIES: u32 = 3;

pub struct Dispatcher {
    store: Arc<dyn Store>,
    config: Arc<SendingConfig>,
    gateways: HashMap<String, Gateway>,
    options: DispatchOptions,
    wake: Arc<Notify>,
    breakers: Arc<Breakers>,
    pacing: Pacing,
}

impl Dispatcher {
    /// A dispatcher for `sending`'s providers (a gateway per provider),
    /// woken when the API stores a message.
    pub fn new(
        store: Arc<dyn Store>,
        sending: &Sending,
        options: DispatchOptions,
    ) -> Result<Dispatcher, smsgate_send::gateway::ConfigError> {
        let config = sending.config.clone();
        let gateways = config
            .providers
            .values()
            .map(|provider| {
                let gateway = Gateway::new(GatewayConfig {
                    route: provider.api,
                    base_url: provider.base_url.clone(),
                    key: provider.key.clone(),
                    callback_url: None,
                    request_timeout: provider.timeout,
                })?;
                Ok((provider.name.clone(), gateway))
            })
            .collect::<Result<_, _>>()?;
        Ok(Dispatcher {
            store,
            config,
            gateways,
            options,
            wake: sending.wake.clone(),
            breakers: sending.breakers.clone(),
            pacing: Pacing::new(&sending.config),
        })
    }

    /// Dispatches until `stop` completes, then waits for the messages in
    /// flight (their requests have left; their outcome is recorded).
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let this = Arc::new(self);
        let slots = Arc::new(Semaphore::new(this.options.concurrency.max(1)));
        let mut in_flight = JoinSet::new();
        let mut stop = std::pin::pin!(stop);
        let mut store_down_logged = false;
        let mut rerouter = Rerouter::new(this.store.clone(), this.config.clone());
        let mut last_tick: Option<Instant> = None;
        loop {
            if last_tick.is_none_or(|at| at.elapsed() >= TICK) {
                last_tick = Some(Instant::now());
                this.heartbeat().await;
                if let Some(rerouter) = &mut rerouter
                    && let Err(error) = rerouter.follow(now_ms()).await
                {
                    tracing::warn!(%error, "cannot read the event feed for rerouting; trying again");
                }
            }
            // No more than the providers' rates can take within the
            // longest pacing wait: the rest stay in the queue, for any replica.
            let free = slots
                .available_permits()
                .min(this.pacing.capacity(MAX_PACING_WAIT).unwrap_or(usize::MAX));
            let mut claimed_all = false;
            if free > 0 {
                let lease = this.claim_lease();
                let claim = Claim {
                    owner: this.options.owner.clone(),
                    now: now_ms(),
                    lease,
                    limit: free,
                };
                match this.store.claim_outbound(claim).await {
                    Ok(messages) => {
                        store_down_logged = false;
                        claimed_all = messages.len() == free;
                        for message in messages {
                            let slot = slots.clone().acquire_owned().await.expect("the semaphore stays open");
                            let this = this.clone();
                            in_flight.spawn(async move {
                                this.dispatch(message).await;
                                drop(slot);
                            });
                        }
                    }
                    Err(error) if !store_down_logged => {
                        store_down_logged = true;
                        tracing::warn!(%error, "cannot claim outbound messages; trying again");
                    }
                    Err(_) => {}
                }
            }
            if claimed_all {
                // More may be due: claim again once a slot frees.
                tokio::select! {
                    _ = in_flight.join_next() => {}
                    () = &mut stop => break,
                }
                continue;
            }
            tokio::select! {
                () = this.wake.notified() => {}
                () = tokio::time::sleep(this.options.poll) => {}
                Some(_) = in_flight.join_next() => {}
                () = &mut stop => break,
            }
        }
        while in_flight.join_next().await.is_some() {}
    }

    /// Tells the other replicas this one runs, and takes their number and
    /// pauses into the pacing.
    async fn heartbeat(&self) {
        match self
            .store
            .coordinate(&self.options.owner, now_ms(), millis(LIVE_WITHIN))
            .await
        {
            Ok(shared) => self.pacing.coordinate(shared.replicas, &shared.pauses),
            Err(error) => tracing::warn!(%error, "cannot reach the other dispatchers' heartbeats; pacing alone"),
        }
    }

    /// A claim covers the longest request of any provider, and then some.
    fn claim_lease(&self) -> Duration {
        let longest = self
            .config
            .providers
            .values()
            .map(|p| p.timeout)
            .max()
            .unwrap_or_default();
        longest + LEASE_MARGIN
    }

    async fn dispatch(&self, message: ClaimedOutbound) {
        let now = now_ms();
        let Some(route) = self.config.routes.iter().find(|r| r.name == message.route) else {
            let error = format!("route `{}` is not configured any more", message.route);
            return self.settle(&message, None, done(OutboxState::Failed, error, now)).await;
        };
        if message
            .attempts
            .last()
            .is_some_and(|a| a.outcome == smsgate_normalize::AttemptOutcome::Uncertain)
        {
            let settle = decide::after_interrupted(&message, route, now);
            return self.settle(&message, None, settle).await;
        }
        // The message's order of the route's providers, drawn once.
        let order = route.order(&message.id);
        let index = match self.first_admitted(&order, &message) {
            Ok(index) => index,
            Err(wait) => {
                // Every provider left is open: wait for the first probe.
                let settle = Settle::Retry {
                    at: now.saturating_add(millis(wait)),
                    provider_index: message.provider_index,
                    tries: message.tries,
                };
                return self.settle(&message, None, settle).await;
            }
        };
        let mut message = message;
        if index != message.provider_index {
            // Skipped past open breakers: a fresh start on this provider.
            message.provider_index = index;
            message.tries = 0;
        }
        let provider = order
            .get(index as usize)
            .and_then(|name| self.config.providers.get(*name));
        let Some(provider) = provider else {
            let error = format!("route `{}` has no provider left to try", route.name);
            return self.settle(&message, None, done(OutboxState::Failed, error, now)).await;
        };
        // Opted out since it was stored: it goes nowhere.
        match self.store.opt_out(&message.to).await {
            Ok(None) => {}
            Ok(Some(_)) => {
                let settle = done(OutboxState::Rejected, OPTED_OUT.into(), now);
                return self.settle(&message, None, settle).await;
            }
            Err(error) => {
                tracing::warn!(id = %message.id, %error, "cannot check opt-outs; the message waits for its claim to lapse");
                return;
            }
        }
        // Its turn at the provider's rate; the attempt is recorded while it
        // waits, and counts from when the request is planned to leave.
        let number = u32::try_from(message.attempts.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let begin = |planned: i64| {
            let attempt = NewAttempt {
                number,
                provider: provider.name.clone(),
                api: provider.api.name().to_string(),
                provider_id: provider.api.provider(),
                submitted_at: planned,
                lease_until: planned.saturating_add(millis(provider.timeout + LEASE_MARGIN)),
            };
            self.store.begin_attempt(&self.options.owner, &message.id, attempt)
        };
        let begun = self
            .pacing
            .turn(&provider.name, message.segments, MAX_PACING_WAIT, begin)
            .await;
        match begun {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return, // another dispatcher holds it now
            Ok(Err(error)) => {
                tracing::warn!(id = %message.id, %error, "cannot record an attempt; the message waits for its claim to lapse");
                return;
            }
            Err(wait) => {
                // Back to the queue until its turn.
                let settle = Settle::Retry {
                    at: now.saturating_add(millis(wait)),
                    provider_index: message.provider_index,
                    tries: message.tries,
                };
                return self.settle(&message, None, settle).await;
            }
        }
        let now = now_ms();
        let answer = self.submit(&message, provider).await;
        match &answer {
            Answer::Failed(failure) if failure.throttled => {
                let until = now_ms().saturating_add(millis(failure.retry_after.unwrap_or(DEFAULT_THROTTLE_PAUSE)));
                self.pacing.pause(&provider.name, until);
                if let Err(error) = self.store.pause_provider(&provider.name, until).await {
                    tracing::warn!(provider = %provider.name, %error, "cannot tell the other replicas of a 429");
                }
            }
            Answer::Failed(_) => self.breakers.record(&provider.name, false, Instant::now()),
            _ => self.breakers.record(&provider.name, true, Instant::now()),
        }
        let accepted_id = match &answer {
            Answer::Accepted { message_id } => Some(message_id.clone()),
            _ => None,
        };
        let (end, settle) = decide::after_attempt(&message, route, provider, number, answer, now_ms());
        log_step(&message, provider, &end, &settle);
        self.settle(&message, Some(end), settle).await;
        if let Some(message_id) = accepted_id {
            self.record_submission(&message, provider, message_id, now).await;
        }
    }

    /// The index (in `order`, the message's order of its route) of the first
    /// provider, from the message's current one, whose breaker lets a
    /// request through; else how long until one may.
    fn first_admitted(&self, order: &[&str], message: &ClaimedOutbound) -> Result<u32, Duration> {
        let now = Instant::now();
        let mut earliest: Option<Instant> = None;
        for (index, name) in order.iter().enumerate().skip(message.provider_index as usize) {
            match self.breakers.admit(name, now) {
                Admission::Send | Admission::Probe => return Ok(u32::try_from(index).unwrap_or(u32::MAX)),
                Admission::Skip { until } => earliest = Some(earliest.map_or(until, |e| e.min(until))),
            }
        }
        match earliest {
            Some(until) => Err(until.saturating_duration_since(now).max(Duration::from_millis(10))),
            // No provider left at all: the caller fails the message.
            None => Ok(message.provider_index),
        }
    }

    /// One request to `provider`; the callback secret never reaches an error.
    async fn submit(&self, message: &ClaimedOutbound, provider: &ProviderConfig) -> Answer {
        let gateway = &self.gateways[&provider.name];
        let clearline = provider.api == Api::Clearline;
        if clearline && message.from.is_some() {
            return Answer::Failed(Failure {
                message: format!("{} (ClearLine) takes no sender number (`from`)", provider.name),
                retryable: false,
                retry_after: None,
                maybe_sent: false,
                throttled: false,
            });
        }
        let outgoing = Outgoing {
            to: message.to.clone(),
            text: message.text.clone(),
            from: message.from.clone(),
            // Where the API has a field for our id; ClearLine gets it in the callback URL.
            client_message_id: (!clearline).then(|| message.id.clone()),
        };
        let callback_url = clearline.then(|| self.callback_url(&message.id));
        let secret = self.options.callback_secret.expose();
        match gateway.send_one_with_callback(&outgoing, callback_url.as_deref()).await {
            Ok(Outcome::Accepted { message_id }) => Answer::Accepted { message_id },
            Ok(Outcome::Rejected { reason }) => Answer::Rejected {
                reason: reason.replace(secret, "REDACTED"),
            },
            Err(mut failure) => {
                failure.message = failure.message.replace(secret, "REDACTED");
                Answer::Failed(failure)
            }
        }
    }

    /// ClearLine's callback URL for one message: the callback route with
    /// the secret and the outbound id.
    fn callback_url(&self, id: &str) -> String {
        format!(
            "{}/client-callback/clearline-status?token={}&{OUTBOUND_PARAM}={id}",
            self.options.public_url.trim_end_matches('/'),
            self.options.callback_secret.expose(),
        )
    }

    async fn settle(&self, message: &ClaimedOutbound, end: Option<AttemptEnd>, settle: Settle) {
        for attempt in 1..=SETTLE_TRIES {
            match self
                .store
                .settle_outbound(&self.options.owner, &message.id, end.clone(), settle.clone())
                .await
            {
                Ok(true) => return,
                Ok(false) => {
                    tracing::warn!(id = %message.id, "the claim on an outbound message lapsed before it was settled");
                    return;
                }
                Err(error) if attempt == SETTLE_TRIES => {
                    tracing::warn!(id = %message.id, %error, "cannot settle an outbound message; its claim will lapse and the attempt stays uncertain");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await,
            }
        }
    }

    /// Starts the message's timeline at its submission, as `smsgate send` does.
    async fn record_submission(
        &self,
        message: &ClaimedOutbound,
        provider: &ProviderConfig,
        message_id: String,
        at: i64,
    ) {
        let (method, path) = provider.api.submit_request(false);
        let submission = Submission {
            provider: provider.api.provider(),
            message_id,
            to: message.to.clone(),
            from: message.from.clone(),
            client_message_id: Some(message.id.clone()),
            submitted_at: at,
            method: method.into(),
            path: path.into(),
        };
        if let Err(error) = self.store.record_submission(submission).await {
            tracing::warn!(id = %message.id, %error, "accepted, but the submission could not be added to the timeline");
        }
    }
}

fn done(state: OutboxState, error: String, at: i64) -> Settle {
    Settle::Done {
        state,
        error: Some(error),
        at,
    }
}

/// One log line per attempt that did not simply go through.
fn log_step(message: &ClaimedOutbound, provider: &ProviderConfig, end: &AttemptEnd, settle: &Settle) {
    let error = end.error.as_deref().unwrap_or("");
    match settle {
        Settle::Done {
            state: OutboxState::Accepted,
            ..
        } => {
            tracing::debug!(id = %message.id, provider = %provider.name, "accepted");
        }
        Settle::Done { state, .. } => {
            tracing::info!(id = %message.id, provider = %provider.name, state = state.as_str(), error, "outbound message settled");
        }
        Settle::Retry { provider_index, .. } if *provider_index != message.provider_index => {
            tracing::warn!(id = %message.id, provider = %provider.name, error, "failing over to the next provider of the route");
        }
        Settle::Retry { at, .. } => {
            tracing::info!(id = %message.id, provider = %provider.name, error, retry_at = at, "will retry");
        }
    }
}
