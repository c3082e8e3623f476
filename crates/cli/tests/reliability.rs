//! The reliability suite: the real `smsgate serve` process under load from
//! several providers' routes at once, while things go wrong, checked against
//! what the store holds afterwards. It fails on any acknowledged callback
//! that is not stored, any event stored twice, any status that moved
//! backwards, and any answer other than 2xx or 503 + `Retry-After`.
//!
//! Each scenario prints its figures (sent, acknowledged, stored, lost) to
//! stderr, past the test harness's capture; the README's Reliability section
//! quotes them. SQLite always; PostgreSQL when SMSGATE_TEST_POSTGRES_URL is
//! set (each test in a schema of its own).
//!
//! | module | what |
//! |---|---|
//! | `crash` | `kill -9` under load, restart on the same database, several times |
//! | `drain` | SIGTERM under load: in-flight requests answered after their commit, exit 0 within the bound |
//! | `outage` | the storage goes away mid-load (PostgreSQL unreachable, SQLite's disk full), then comes back |
//! | `slow_clients` | a client trickling its body and hundreds of idle connections do not starve the others |

#[path = "reliability/check.rs"]
mod check;
#[path = "reliability/crash.rs"]
mod crash;
#[path = "reliability/drain.rs"]
mod drain;
#[path = "reliability/outage.rs"]
mod outage;
#[path = "reliability/slow_clients.rs"]
mod slow_clients;
