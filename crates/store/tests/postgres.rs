//! What only the PostgreSQL backend has to show: several replicas (stores
//! with pools of their own) on one database, a feed that no polling
//! consumer can skip through while writers on every replica commit out of
//! order, and `Unavailable` (503 upstream) when the server is unreachable or
//! slow, with recovery once it is back; group commit (one transaction per
//! batch of concurrent ingests, dedup inside a batch, a refused ingest or a
//! failed COMMIT). Skipped, saying so, without SMSGATE_TEST_POSTGRES_URL.
//!
//! One test binary with a module per concern under `tests/postgres/`, so
//! the suite links once:
//!
//! | module | what |
//! |---|---|
//! | `replicas` | dedup and precedence across replicas (checked against SQLite), pollers on every replica |
//! | `feed_lock` | a late commit of an earlier feed position is never skipped |
//! | `outages` | an unreachable server, a slow statement: `Unavailable`, nothing stored, recovery |
//! | `open` | migrations once across replicas starting together; URLs with their own parameters |
//! | `tls` | sslmode and sslrootcert against the server's own certificate |
//! | `group_commit` | batches: one transaction, dedup inside, a refused ingest, a failed COMMIT, an abandoned ingest |

mod support;

#[path = "postgres/feed_lock.rs"]
mod feed_lock;
#[path = "postgres/group_commit.rs"]
mod group_commit;
#[path = "postgres/open.rs"]
mod open;
#[path = "postgres/outages.rs"]
mod outages;
#[path = "postgres/replicas.rs"]
mod replicas;
#[path = "postgres/tls.rs"]
mod tls;

use smsgate_normalize::views::{EventsPage, FeedEvent};

/// The message ids of a feed page, status events and inbound messages alike.
fn message_ids(page: &EventsPage) -> Vec<String> {
    page.events
        .iter()
        .map(|event| match event {
            FeedEvent::Status(event) => event.message_id.clone(),
            FeedEvent::Inbound(message) => message.message_id.clone(),
        })
        .collect()
}
