//! What the simulator does with each accepted message, decided by a seeded
//! random generator so that `--seed N` replays a run: the message ids, the
//! final outcome, the status callbacks in the order they are sent, which ones
//! are sent twice, the pause before each, and which send requests get a
//! transient failure.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

/// Share of messages that end `undelivered` instead of `delivered`.
pub const UNDELIVERED_SHARE: f64 = 0.1;

/// The hostile knobs, and how soon statuses come.
#[derive(Debug, Clone, PartialEq)]
pub struct Knobs {
    /// Chance, 0 to 1, that a callback is sent a second time.
    pub duplicate_rate: f64,
    /// Shuffle each message's callbacks.
    pub reorder: bool,
    /// Longest pause before a callback, in milliseconds (each pause is drawn from 0 to this).
    pub delay_ms: u64,
    /// Chance, 0 to 1, that a send request is answered 503 instead.
    pub fail_rate: f64,
    /// Numbers starting with one of these always end `undelivered` (a
    /// destination this provider cannot reach).
    pub undeliverable: Vec<String>,
    /// Most segments per second taken; above it, 429.
    pub throttle: Option<f64>,
    /// Clickatell's statuses follow acceptance this many times sooner than
    /// at the provider (1: the handset's answer after 4 s): tests that wait
    /// for final statuses need not wait seconds for each.
    pub speed: NonZeroU32,
}

impl Default for Knobs {
    fn default() -> Knobs {
        Knobs {
            duplicate_rate: 0.0,
            reorder: false,
            delay_ms: 0,
            fail_rate: 0.0,
            undeliverable: Vec::new(),
            throttle: None,
            speed: NonZeroU32::MIN,
        }
    }
}

/// Which provider accepted a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Clickatell,
    ClearLine,
}

impl Provider {
    /// The receiver's provider id.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Clickatell => "clickatell",
            Provider::ClearLine => "clearline",
        }
    }
}

/// How a message ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Undelivered,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Undelivered => "undelivered",
        }
    }
}

/// A status as the provider sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStatus {
    /// Clickatell SMS platform: `statusCode`, `status`, `statusDescription`,
    /// and how long after acceptance it happens.
    Clickatell {
        code: i32,
        name: &'static str,
        description: &'static str,
        after_ms: i64,
    },
    /// ClearLine: `deliveryStatus`, `externalDeliveryStatus`, `reasonText`.
    ClearLine {
        delivery: &'static str,
        external: &'static str,
        reason: &'static str,
    },
}

impl ProviderStatus {
    /// The status as sent, for the listing.
    pub fn name(self) -> &'static str {
        match self {
            ProviderStatus::Clickatell { name, .. } => name,
            ProviderStatus::ClearLine { external, .. } => external,
        }
    }

    /// When it happens at the provider, in milliseconds since the epoch,
    /// for a message accepted at `accepted_at_ms`; `None` where the
    /// provider's callback carries no time (ClearLine).
    pub fn provider_time_ms(self, accepted_at_ms: i64) -> Option<i64> {
        match self {
            ProviderStatus::Clickatell { after_ms, .. } => Some(accepted_at_ms + after_ms),
            ProviderStatus::ClearLine { .. } => None,
        }
    }

    /// The same status, happening `speed` times sooner after acceptance.
    fn sooner(mut self, speed: NonZeroU32) -> ProviderStatus {
        if let ProviderStatus::Clickatell { after_ms, .. } = &mut self {
            *after_ms /= i64::from(speed.get());
        }
        self
    }
}

const fn clickatell(code: i32, name: &'static str, description: &'static str, after_ms: i64) -> ProviderStatus {
    ProviderStatus::Clickatell {
        code,
        name,
        description,
        after_ms,
    }
}

/// The statuses a message goes through, in provider-time order: Clickatell
/// reports queued, handed to the gateway, then the handset's answer;
/// ClearLine reports only the final result ("once the delivery status is
/// available").
fn statuses(provider: Provider, outcome: Outcome) -> Vec<ProviderStatus> {
    let queued = clickatell(2, "MESSAGE_QUEUED", "Message queued", 200);
    let gateway = clickatell(3, "DELIVERED_TO_GATEWAY", "Delivered to gateway", 1_000);
    match (provider, outcome) {
        (Provider::Clickatell, Outcome::Delivered) => vec![
            queued,
            gateway,
            clickatell(4, "RECEIVED_BY_RECIPIENT", "Received by recipient", 4_000),
        ],
        (Provider::Clickatell, Outcome::Undelivered) => vec![
            queued,
            gateway,
            clickatell(7, "ERROR_DELIVERING_MESSAGE", "Error delivering message", 9_000),
        ],
        (Provider::ClearLine, Outcome::Delivered) => vec![ProviderStatus::ClearLine {
            delivery: "Delivered",
            external: "Delivered",
            reason: "Delivered to handset",
        }],
        (Provider::ClearLine, Outcome::Undelivered) => vec![ProviderStatus::ClearLine {
            delivery: "DeliveredFailed",
            external: "Failed",
            reason: "Absent subscriber",
        }],
    }
}

/// One callback to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub status: ProviderStatus,
    /// A deliberate resend of an earlier step.
    pub duplicate: bool,
    /// The pause before sending it.
    pub delay: Duration,
}

/// What happens to one accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub message_id: String,
    pub outcome: Outcome,
    pub steps: Vec<Step>,
}

/// The run's seeded generator, shared by every request.
pub struct Dice {
    rng: Mutex<StdRng>,
}

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    fn draw<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        f(&mut self.rng.lock().expect("no panic while drawing"))
    }

    /// Whether this send request gets a transient failure.
    pub fn fails(&self, knobs: &Knobs) -> bool {
        knobs.fail_rate > 0.0 && self.draw(|rng| rng.random_bool(knobs.fail_rate))
    }

    /// A fresh id, as the provider formats its ids: Clickatell's are 32 hex
    /// digits, ClearLine's (and inbound ones) UUID-shaped.
    pub fn message_id(&self, provider: Provider) -> String {
        let bits: u128 = self.draw(|rng| rng.random());
        match provider {
            Provider::Clickatell => format!("{bits:032x}"),
            Provider::ClearLine => uuid_shaped(bits),
        }
    }

    /// The plan of the next accepted message. Each message draws its own
    /// seed, so its plan does not depend on how other messages' playbacks
    /// interleave.
    pub fn plan(&self, provider: Provider, to: &str, knobs: &Knobs) -> Plan {
        let message_id = self.message_id(provider);
        let seed: u64 = self.draw(|rng| rng.random());
        let mut rng = StdRng::seed_from_u64(seed);
        let unreachable = knobs.undeliverable.iter().any(|prefix| to.starts_with(prefix.as_str()));
        let outcome = if rng.random_bool(UNDELIVERED_SHARE) || unreachable {
            Outcome::Undelivered
        } else {
            Outcome::Delivered
        };
        let mut steps = Vec::new();
        for status in statuses(provider, outcome) {
            let status = status.sooner(knobs.speed);
            steps.push(Step {
                status,
                duplicate: false,
                delay: Duration::ZERO,
            });
            if knobs.duplicate_rate > 0.0 && rng.random_bool(knobs.duplicate_rate) {
                steps.push(Step {
                    status,
                    duplicate: true,
                    delay: Duration::ZERO,
                });
            }
        }
        if knobs.reorder {
            steps.shuffle(&mut rng);
        }
        for step in &mut steps {
            step.delay = Duration::from_millis(rng.random_range(0..=knobs.delay_ms));
        }
        Plan {
            message_id,
            outcome,
            steps,
        }
    }
}

pub fn uuid_shaped(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_faster_simulator_reports_each_status_sooner_by_its_speed() {
        let times = |speed: u32| -> Vec<i64> {
            let knobs = Knobs {
                speed: NonZeroU32::new(speed).unwrap(),
                ..Knobs::default()
            };
            let plan = Dice::new(7).plan(Provider::Clickatell, "+27820000001", &knobs);
            plan.steps
                .iter()
                .map(|s| s.status.provider_time_ms(0).unwrap())
                .collect()
        };
        let real = times(1);
        assert_eq!(real[..2], [200, 1_000]);
        assert!(real[2] == 4_000 || real[2] == 9_000, "{real:?}");
        assert_eq!(times(10), real.iter().map(|ms| ms / 10).collect::<Vec<_>>());
    }

    fn hostile() -> Knobs {
        Knobs {
            duplicate_rate: 0.5,
            reorder: true,
            delay_ms: 20,
            fail_rate: 0.3,
            undeliverable: vec!["+2783".into()],
            ..Knobs::default()
        }
    }

    #[test]
    fn an_undeliverable_prefix_always_ends_undelivered() {
        let dice = Dice::new(7);
        for n in 0..50 {
            let plan = dice.plan(Provider::Clickatell, &format!("+2783{n:07}"), &hostile());
            assert_eq!(plan.outcome, Outcome::Undelivered);
        }
    }

    fn run(seed: u64) -> (Vec<Plan>, Vec<bool>) {
        let dice = Dice::new(seed);
        let plans = (0..20)
            .map(|i| {
                dice.plan(
                    if i % 2 == 0 {
                        Provider::Clickatell
                    } else {
                        Provider::ClearLine
                    },
                    "+27820000001",
                    &hostile(),
                )
            })
            .collect();
        let fails = (0..20).map(|_| dice.fails(&hostile())).collect();
        (plans, fails)
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
        assert_eq!(run(7), run(7));
        assert_ne!(run(7).0, run(8).0);
    }

    #[test]
    fn every_plan_ends_in_its_outcome_whatever_the_knobs() {
        let (plans, fails) = run(42);
        assert!(fails.iter().any(|f| *f) && fails.iter().any(|f| !*f), "{fails:?}");
        assert!(plans.iter().any(|p| p.steps.iter().any(|s| s.duplicate)));
        for plan in plans {
            let originals: Vec<&Step> = plan.steps.iter().filter(|s| !s.duplicate).collect();
            let last = originals.iter().max_by_key(|s| match s.status {
                ProviderStatus::Clickatell { after_ms, .. } => after_ms,
                ProviderStatus::ClearLine { .. } => 0,
            });
            let final_name = last.unwrap().status.name();
            let expected = match plan.outcome {
                Outcome::Delivered => ["RECEIVED_BY_RECIPIENT", "Delivered"],
                Outcome::Undelivered => ["ERROR_DELIVERING_MESSAGE", "Failed"],
            };
            assert!(expected.contains(&final_name), "{plan:?}");
            assert!(plan.steps.iter().all(|s| s.delay <= Duration::from_millis(20)));
        }
        assert_eq!(uuid_shaped(0xff).len(), 36);
    }
}
