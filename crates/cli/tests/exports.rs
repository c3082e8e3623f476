//! Exports end to end: `smsgate serve` with `[[exports]]`, callbacks sent
//! by the load driver, webhook receivers played by a local peer, and the
//! machine's NATS server with JetStream (`SMSGATE_TEST_NATS_URL`, e.g.
//! nats://127.0.0.1:4222; its tests print a "skipped" line without it).
//! PostgreSQL when SMSGATE_TEST_POSTGRES_URL is set.
//!
//! | module | what |
//! |---|---|
//! | `webhook` | a flaky receiver gets every event, signed, with one id per event; an always-failing one gets dead letters, delivered by a replay |
//! | `nats` | 5,000 callbacks, `kill -9` of serve three times mid-export: every event once in the stream, in feed order per message |
//! | `isolation` | an export whose receiver never answers: callbacks acknowledged as fast as without exports, the other export keeps up |
//! | `replicas` | two replicas on one PostgreSQL database: one runs the export; killing it hands the export over |
//! | `config` | an unknown kind, a missing or malformed secret: refused with the line; NATS out of reach: a logged retry |

#[path = "exports/config.rs"]
mod config;
#[path = "exports/harness.rs"]
mod harness;
#[path = "exports/isolation.rs"]
mod isolation;
#[path = "exports/nats.rs"]
mod nats;
#[path = "exports/replicas.rs"]
mod replicas;
#[path = "exports/webhook.rs"]
mod webhook;
