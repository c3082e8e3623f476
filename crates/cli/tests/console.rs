//! The operators' console (`/ui/`), against the real `smsgate serve`.
//!
//! | module | what |
//! |---|---|
//! | `gate` | plain HTTP: every page redirects to sign-in without a session, a wrong token is refused, forged or cross-site POSTs change nothing |
//! | `tour` | the providers page's figures against the event feed; then chromium: sign in, find a message by number, its timeline, a failover, inbound, a replay, the plotted delays, sign out (screenshots in `target/console-screenshots/`) |
//! | `deployment` | serve with two routes, the simulator, a quarantined request, messages sent until final |
//! | `figures` | the delivery figures computed independently from `/v1/events`, and read back from the page |
//! | `webdriver` | chromium and chromedriver (skipped, with a note, when missing) |
//! | `harness` | a store with quarantined requests, signing in, reading pages |

#[path = "console/deployment.rs"]
mod deployment;
#[path = "console/figures.rs"]
mod figures;
#[path = "console/gate.rs"]
mod gate;
#[path = "console/harness.rs"]
mod harness;
#[path = "console/tour.rs"]
mod tour;
#[path = "console/webdriver.rs"]
mod webdriver;
