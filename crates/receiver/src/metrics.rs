//! `/metrics` in the Prometheus text format.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use smsgate_normalize::Provider;
use smsgate_normalize::views::BreakerState;
use smsgate_store::Store;

/// What became of a callback request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Committed with at least one new event, or nothing to store.
    Stored,
    /// Committed; every event in it was already stored (a provider retry).
    Duplicate,
    /// Committed raw, body not parseable.
    Quarantined,
    Unauthorized,
    /// The body was larger than the limit: 413.
    TooLarge,
    /// The body broke off before its end (the client hung up): 400.
    UnreadableBody,
    /// The body did not all arrive in time: 408.
    TimedOut,
    /// The store could not commit: 503.
    Unavailable,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Stored => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::Quarantined => "quarantined",
            Outcome::Unauthorized => "unauthorized",
            Outcome::TooLarge => "too_large",
            Outcome::UnreadableBody => "unreadable_body",
            Outcome::TimedOut => "timed_out",
            Outcome::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallbackLabels {
    provider: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    provider: &'static str,
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: &'static str,
}

/// A configured provider (`[providers.NAME]`) and a breaker state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BreakerLabels {
    provider: String,
    state: &'static str,
}

/// The receiver's counters; cheap to update from any request.
pub struct Metrics {
    registry: Registry,
    callbacks: Family<CallbackLabels, Counter>,
    events: Family<EventLabels, Counter>,
    duplicates: Family<ProviderLabels, Counter>,
    ignored_event_types: Family<ProviderLabels, Counter>,
    commit_seconds: Histogram,
    breakers: Family<BreakerLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("smsgate");
        let callbacks = Family::<CallbackLabels, Counter>::default();
        let events = Family::<EventLabels, Counter>::default();
        let duplicates = Family::<ProviderLabels, Counter>::default();
        let ignored_event_types = Family::<ProviderLabels, Counter>::default();
        let commit_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 14));
        let breakers = Family::<BreakerLabels, Gauge>::default();
        registry.register(
            "provider_breaker",
            "Circuit breaker of each configured provider: 1 for its current state (closed, open, half_open), else 0",
            breakers.clone(),
        );
        registry.register(
            "callbacks_received",
            "Callback requests received, by provider and outcome",
            callbacks.clone(),
        );
        registry.register(
            "events_stored",
            "New events stored, by provider and kind (status, inbound)",
            events.clone(),
        );
        registry.register(
            "duplicate_events",
            "Events received again (provider retries) and not stored twice",
            duplicates.clone(),
        );
        registry.register(
            "ignored_event_types",
            "Events of types not stored as events (statusIsTyping, types newer than our specs); kept raw",
            ignored_event_types.clone(),
        );
        registry.register(
            "store_commit_seconds",
            "Time to commit one callback durably",
            commit_seconds.clone(),
        );
        Metrics {
            registry,
            callbacks,
            events,
            duplicates,
            ignored_event_types,
            commit_seconds,
            breakers,
        }
    }
}

impl Metrics {
    pub fn callback(&self, provider: Provider, outcome: Outcome) {
        self.callbacks
            .get_or_create(&CallbackLabels {
                provider: provider.as_str(),
                outcome: outcome.as_str(),
            })
            .inc();
    }

    pub fn stored(&self, provider: Provider, status_events: usize, inbound: usize, duplicates: usize) {
        let provider = provider.as_str();
        self.events
            .get_or_create(&EventLabels {
                provider,
                kind: "status",
            })
            .inc_by(status_events as u64);
        self.events
            .get_or_create(&EventLabels {
                provider,
                kind: "inbound",
            })
            .inc_by(inbound as u64);
        self.duplicates
            .get_or_create(&ProviderLabels { provider })
            .inc_by(duplicates as u64);
    }

    pub fn ignored(&self, provider: Provider, count: usize) {
        self.ignored_event_types
            .get_or_create(&ProviderLabels {
                provider: provider.as_str(),
            })
            .inc_by(count as u64);
    }

    pub fn commit_took(&self, duration: Duration) {
        self.commit_seconds.observe(duration.as_secs_f64());
    }

    /// Sets the breaker gauges to the providers' `states`.
    pub fn breakers(&self, states: &[(String, BreakerState)]) {
        for (provider, current) in states {
            for state in [BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen] {
                let labels = BreakerLabels {
                    provider: provider.clone(),
                    state: state.as_str(),
                };
                self.breakers.get_or_create(&labels).set(i64::from(state == *current));
            }
        }
    }

    /// Adds the exports' counters (`smsgate_export_*`).
    pub fn register_exports(&mut self, exports: &smsgate_export::ExportMetrics) {
        exports.register(&mut self.registry);
    }

    /// Adds the store's group-commit counters (`smsgate_store_*`), read at
    /// each scrape.
    pub fn register_store(&mut self, store: Arc<dyn Store>) {
        self.registry.register_collector(Box::new(CommitCounters(store)));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

/// The store's group-commit counters, read from it at each scrape: their
/// ratio is the mean batch, which says how far a commit's cost is shared.
struct CommitCounters(Arc<dyn Store>);

impl std::fmt::Debug for CommitCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CommitCounters")
    }
}

impl Collector for CommitCounters {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.commit_stats();
        for (name, help, value) in [
            (
                "store_batches_committed",
                "Group-commit transactions committed, one per batch of callbacks",
                stats.transactions,
            ),
            (
                "store_batched_writes",
                "Writes those transactions stored: callbacks, and on SQLite the messages accepted for sending (divided by the batches: the mean batch)",
                stats.ingests,
            ),
        ] {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)?;
        }
        Ok(())
    }
}
