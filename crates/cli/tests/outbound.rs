//! Sending through smsgate, end to end: `smsgate serve` with providers and
//! routes configured, `smsgate simulate` processes standing in for the
//! providers, messages sent with `POST /v1/outbound`. The tests fail on a
//! lost message, one sent twice without cause, or a callback linked to the
//! wrong message. SQLite always; PostgreSQL when SMSGATE_TEST_POSTGRES_URL
//! is set.
//!
//! | module | what |
//! |---|---|
//! | `breaker` | the primary down mid-run and back: its breaker opens (messages go straight to the backup) and closes |
//! | `failover` | the primary down: every message through the backup, both attempts recorded |
//! | `lost_answer` | the provider took it, its answer was lost: `uncertain`, linked by its callbacks, never sent twice |
//! | `requests` | idempotency keys (also at once), bad input, a text too long, no routes, a config mistake, the CLI |
//! | `crash` | `kill -9` while accepting and dispatching 500 messages: each sent once, uncertain ones at most once |
//! | `opt_out` | STOP through one provider keeps every provider from the number; START and the API undo it |
//! | `reroute` | a delivery failed at the primary: sent once more through the backup, where the route asks for it |
//! | `weights` | `weights = [80, 20]` splits a route's messages about four to one |
//! | `pacing` | 1,000 messages of 1 or 2 segments at a provider's `rate` of 20, throttled above 20: never throttled, the rate kept, also shared by two replicas |
//! | `replicas` | two replicas on one PostgreSQL database, 1,000 messages: each submitted once |

#[path = "outbound/breaker.rs"]
mod breaker;
#[path = "outbound/crash.rs"]
mod crash;
#[path = "outbound/failover.rs"]
mod failover;
#[path = "outbound/harness.rs"]
mod harness;
#[path = "outbound/lost_answer.rs"]
mod lost_answer;
#[path = "outbound/opt_out.rs"]
mod opt_out;
#[path = "outbound/pacing.rs"]
mod pacing;
#[path = "outbound/replicas.rs"]
mod replicas;
#[path = "outbound/requests.rs"]
mod requests;
#[path = "outbound/reroute.rs"]
mod reroute;
#[path = "outbound/weights.rs"]
mod weights;
