//! The operators' web console, as pure functions: from the query API's
//! views (`smsgate_normalize::views`) to whole HTML documents, SVG plots
//! drawn on the server, and the session and CSRF tokens that guard them.
//!
//! Nothing here does I/O or knows HTTP: the receiver serves `/ui/` on the
//! query API's listener, reads the store, checks the session with
//! [`session`], and answers with what these functions render. That keeps
//! every page unit-testable from a view value, and keeps the console's
//! dependencies (a template engine, HMAC) out of the layers below.
//!
//! - [`session`]: signed session cookies and the CSRF token derived from
//!   each session;
//! - [`pages`]: one module per page; [`layout`]: the frame they share;
//! - [`plot`]: line plots as SVG drawn on the server;
//! - [`format`](mod@format): times, delays, statuses and links as the pages write them;
//! - [`assets`]: the stylesheet and script, compiled in (no CDN).
//!
//! Pages are rendered with maud, whose `html!` escapes every value it is
//! given, so nothing a provider sent can become markup.

pub mod assets;
pub mod format;
pub mod layout;
pub mod pages;
pub mod plot;
pub mod session;
