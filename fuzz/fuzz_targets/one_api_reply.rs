//! Fuzz target: POST /client-callback/one-api-reply bodies (Clickatell One API, inbound).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsgate_callbacks::Route;

fuzz_target!(|data: &[u8]| smsgate_fuzz::callback_body(Route::ClickatellOneApiReply, data));
