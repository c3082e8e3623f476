//! The receiver over HTTP, as providers and consumers see it: a real receiver
//! per test on 127.0.0.1:0 with its own SQLite file and known secrets
//! (`smsgate_test_support::receiver`), driven with plain HTTP requests and
//! with the generated callback-role clients, and checked through the query
//! API (and, where the contract is about what is stored, the SQLite file
//! itself).
//!
//! One test binary with a module per concern under `tests/http/`, so the
//! suite links once:
//!
//! | module | what |
//! |---|---|
//! | `callbacks` | every provider's callbacks, stored and queried with the contract's shapes |
//! | `auth` | callback secret (query, Basic), bearer token, route checks first, the secret never stored |
//! | `limits` | body limit by Content-Length and while streaming; body timeout (408) |
//! | `quarantine` | unparseable bodies acknowledged and kept |
//! | `duplicates` | provider retries stored once, counted in /metrics |
//! | `ordering` | the final status does not depend on arrival order |
//! | `store_unavailable` | 503 + Retry-After while the store cannot commit |
//! | `postgres` | on PostgreSQL: 503 + Retry-After while the server is gone, recovery after (SMSGATE_TEST_POSTGRES_URL) |
//! | `query_api` | paging, cursors, bad parameters, 404s, /healthz, /metrics |
//! | `search` | message search and delivery statistics over HTTP, bad parameters |
//! | `listeners` | callbacks and the query API on separate addresses |
//! | `concurrency` | a polling consumer sees every event once under concurrent writers |
//! | `generated_clients` | the providers' side, through the generated callback clients |
//!
//! The contract they check is described in `docs/architecture.md`, sections
//! "Receiver contract", "Statuses and precedence" and "Query API".

mod support;

#[path = "http/auth.rs"]
mod auth;
#[path = "http/callbacks.rs"]
mod callbacks;
#[path = "http/concurrency.rs"]
mod concurrency;
#[path = "http/duplicates.rs"]
mod duplicates;
#[path = "http/generated_clients.rs"]
mod generated_clients;
#[path = "http/limits.rs"]
mod limits;
#[path = "http/listeners.rs"]
mod listeners;
#[path = "http/ordering.rs"]
mod ordering;
#[path = "http/postgres.rs"]
mod postgres;
#[path = "http/quarantine.rs"]
mod quarantine;
#[path = "http/query_api.rs"]
mod query_api;
#[path = "http/search.rs"]
mod search;
#[path = "http/store_unavailable.rs"]
mod store_unavailable;
