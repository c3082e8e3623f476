//! Every operation of the six provider clients sends what its spec says, over
//! a real loopback socket: method and path, the API key exactly where the
//! spec's security scheme puts it (and nowhere else), no `api-version`
//! header, the JSON body or query parameters it was given; and it reads the
//! canned answer into typed values, unknown fields kept in `extra`.
//!
//! The expectations come from the effective specs, `openapi/<api>.json`, read
//! at test time; the request comes from `support::capture_server`.
//!
//! The key must also stay out of everything printable: errors for
//! undocumented statuses and for failed connections, and the clients' `Debug`;
//! and it must stay home on a cross-origin redirect.
//!
//! `the_checks_catch_broken_requests` shows the request checks fail on each
//! way a request can break, so a passing operation test means something.
//!
//! One test binary with a module per provider or concern under
//! `tests/clients_on_the_wire/`:
//!
//! | module | what |
//! |---|---|
//! | `spec_operation` | what an operation's spec says it sends, and the checks of a request against it |
//! | `exchange` | one call through a generated client, captured and checked |
//! | `key_carrying_calls` | one key-carrying operation per client, for the secrets tests |
//! | `clickatell` | Clickatell's SMS API, SMS callbacks and One API callbacks |
//! | `smarthive_and_clearline` | SmartHive's and ClearLine's clients |
//! | `client_construction` | `new_with_client` and `Credentials::none()` |
//! | `secrets` | the key in no error, no `Debug`, no cross-origin redirect |
//! | `request_checks` | the checks catch each way a request can break |

mod support;

#[path = "clients_on_the_wire/clickatell.rs"]
mod clickatell;
#[path = "clients_on_the_wire/client_construction.rs"]
mod client_construction;
#[path = "clients_on_the_wire/exchange.rs"]
mod exchange;
#[path = "clients_on_the_wire/key_carrying_calls.rs"]
mod key_carrying_calls;
#[path = "clients_on_the_wire/request_checks.rs"]
mod request_checks;
#[path = "clients_on_the_wire/secrets.rs"]
mod secrets;
#[path = "clients_on_the_wire/smarthive_and_clearline.rs"]
mod smarthive_and_clearline;
#[path = "clients_on_the_wire/spec_operation.rs"]
mod spec_operation;

use smsgate::ApiKey;
use smsgate::clickatell::sms_api as clickatell_sms;

/// Every client's error type is progenitor's, whatever module names it.
type Error = clickatell_sms::Error<()>;
type Sent<T> = Result<clickatell_sms::ResponseValue<T>, Error>;

/// The key every test client carries; no printed text may contain it.
const KEY: &str = "sk-0n-the-w1re_7f3a9c";

fn key() -> ApiKey {
    ApiKey::new(KEY).expect("a valid key")
}
