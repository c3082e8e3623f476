//! The exports' counters for `/metrics`, per export: events delivered,
//! failed deliveries (each attempt that did not go through), events
//! dead-lettered, and the lag (events stored and not yet delivered, read
//! from the store when `/metrics` is rendered, so that every replica shows
//! the same). The receiver registers them in its registry; the workers
//! count into them.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ExportLabels {
    export: String,
}

#[derive(Debug, Clone, Default)]
pub struct ExportMetrics {
    deliveries: Family<ExportLabels, Counter>,
    failures: Family<ExportLabels, Counter>,
    dead_letters: Family<ExportLabels, Counter>,
    lag: Family<ExportLabels, Gauge>,
}

fn labels(export: &str) -> ExportLabels {
    ExportLabels {
        export: export.to_string(),
    }
}

impl ExportMetrics {
    /// Adds the families to `registry` (whose prefix they take).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "export_deliveries",
            "Events an export delivered (a webhook's 2xx, JetStream's ack), by export",
            self.deliveries.clone(),
        );
        registry.register(
            "export_failures",
            "Delivery attempts of an export that did not go through (retried), by export",
            self.failures.clone(),
        );
        registry.register(
            "export_dead_letters",
            "Events an export gave up on after its last retry, by export",
            self.dead_letters.clone(),
        );
        registry.register(
            "export_lag",
            "Events stored and not yet delivered by an export",
            self.lag.clone(),
        );
    }

    pub(crate) fn delivered(&self, export: &str, count: usize) {
        self.deliveries.get_or_create(&labels(export)).inc_by(count as u64);
    }

    pub(crate) fn failed(&self, export: &str) {
        self.failures.get_or_create(&labels(export)).inc();
    }

    pub(crate) fn dead_lettered(&self, export: &str, count: usize) {
        self.dead_letters.get_or_create(&labels(export)).inc_by(count as u64);
    }

    pub(crate) fn lag(&self, export: &str, lag: i64) {
        self.lag.get_or_create(&labels(export)).set(lag);
    }
}
