//! The `smsgate` binary end to end, as a person or a script runs it: `serve`
//! as a child process on port 0, callbacks posted to the URLs it prints, and
//! `messages show` / `events tail` / `quarantine` reading the result through
//! the query API (`--server`) and from the store itself (`--database`).
//!
//! Every wait has a timeout and every child process is killed when its guard
//! drops, so a broken binary fails a test instead of hanging it. Each test has
//! its own directory and database, so they run in parallel.
//!
//! One test binary with a module per subcommand or concern under
//! `tests/cli/`, so the suite links once:
//!
//! | module | what |
//! |---|---|
//! | `harness` | running `smsgate` and `serve`, plain HTTP, a seeded receiver |
//! | `payloads` | the callbacks posted, and what the seeded store holds |
//! | `serve` | printed URLs and token, secrets never logged, `--api-listen`, restarts |
//! | `messages_show` | one message from the query API and from the store |
//! | `messages_list` | `messages list` and `stats`, from both sources; bad flags |
//! | `events_tail` | the feed once, `--after`, `--follow` |
//! | `settings` | flag > `SMSGATE_*` > config file > default; bad input |
//! | `production` | HTTPS and a certificate reloaded on SIGHUP, JSON logs, the drain's bounds |
//! | `quarantine` | `quarantine list` and `replay` |
//! | `help` | `--help` and `--version` |

#[path = "cli/harness.rs"]
mod harness;
#[path = "cli/payloads.rs"]
mod payloads;

#[path = "cli/events_tail.rs"]
mod events_tail;
#[path = "cli/help.rs"]
mod help;
#[path = "cli/messages_list.rs"]
mod messages_list;
#[path = "cli/messages_show.rs"]
mod messages_show;
#[path = "cli/production.rs"]
mod production;
#[path = "cli/quarantine.rs"]
mod quarantine;
#[path = "cli/serve.rs"]
mod serve;
#[path = "cli/settings.rs"]
mod settings;
