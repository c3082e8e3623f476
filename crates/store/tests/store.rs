//! Every store backend against the `Store` contract. Each case runs on
//! SQLite always, and on PostgreSQL when SMSGATE_TEST_POSTGRES_URL is set
//! (skipped, saying so, otherwise); PostgreSQL-only cases (replicas,
//! outages, group commit) are in `postgres.rs`.
//!
//! One test binary with a module per concern under `tests/store/`, so the
//! suite links once:
//!
//! | module | what |
//! |---|---|
//! | `dedup` | a provider's retries stored once |
//! | `precedence` | the status compare-and-set, whatever the arrival order (with a property test) |
//! | `exports` | an export's lease, cursor, dead letters and replays |
//! | `feed` | the feed's cursor: paging, bad cursors, a poller under concurrent writers |
//! | `quarantine` | quarantined bodies, and replays that store each event once |
//! | `migrations` | idempotent migrations, durability across reopen, newer schemas refused |
//! | `submission` | a submitted message's timeline |
//! | `search` | message search and paging, delivery statistics |
//! | `sqlite_only` | WAL mode, a locked database, in memory, `open`'s URLs |

mod support;

/// Runs each named `async fn(&Backend)` of the module it is used in as one
/// test per backend: `<module>::sqlite::<name>` and
/// `<module>::postgres::<name>`.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(&crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(backend) = crate::support::Backend::postgres() {
                        super::$name(&backend).await
                    }
                }
            )*
        }
    };
}

#[path = "store/dedup.rs"]
mod dedup;
#[path = "store/exports.rs"]
mod exports;
#[path = "store/feed.rs"]
mod feed;
#[path = "store/migrations.rs"]
mod migrations;
#[path = "store/precedence.rs"]
mod precedence;
#[path = "store/quarantine.rs"]
mod quarantine;
#[path = "store/search.rs"]
mod search;
#[path = "store/sqlite_only.rs"]
mod sqlite_only;
#[path = "store/submission.rs"]
mod submission;
