//! What the receiver and the dispatcher of one `smsgate serve` share: the
//! configuration, the dispatcher's wake-up (a message was just stored), and
//! the providers' circuit breakers (the dispatcher moves them, the API
//! shows them).

use std::sync::Arc;
use std::time::Instant;

use smsgate_normalize::views::{ProviderView, ProvidersPage};
use tokio::sync::Notify;

use crate::breaker::Breakers;
use crate::config::SendingConfig;

#[derive(Debug, Clone)]
pub struct Sending {
    pub config: Arc<SendingConfig>,
    pub wake: Arc<Notify>,
    pub breakers: Arc<Breakers>,
}

impl Sending {
    pub fn new(config: SendingConfig) -> Sending {
        Sending {
            breakers: Arc::new(Breakers::new(&config)),
            config: Arc::new(config),
            wake: Arc::new(Notify::new()),
        }
    }

    /// `GET /v1/providers`.
    pub fn providers(&self) -> ProvidersPage {
        let states = self.breakers.states(Instant::now());
        let providers = self
            .config
            .providers
            .values()
            .map(|p| ProviderView {
                name: p.name.clone(),
                api: p.api.name().to_string(),
                breaker: states
                    .iter()
                    .find(|(name, _)| *name == p.name)
                    .map_or(smsgate_normalize::views::BreakerState::Closed, |(_, s)| *s),
            })
            .collect();
        ProvidersPage { providers }
    }
}
