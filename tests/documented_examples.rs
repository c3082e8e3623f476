//! Every example payload the providers publish is read by the generated types.
//!
//! The examples are not copied here: each test extracts them, at test time,
//! from the verbatim provider pages in `openapi/upstream/` (their fenced code
//! blocks, found by `smsgate_doc_examples`) and from the effective specs
//! `openapi/*.json` (every `example` and `examples` value), so the tests
//! follow the documents. An example in a place this file does not know fails
//! the test with a message saying where, rather than going unchecked.
//!
//! One test binary with a module per provider page under
//! `tests/documented_examples/`, plus the specs' own examples; the readers
//! they share are here.
//!
//! | module | what |
//! |---|---|
//! | `smarthive` | SmartHive's page |
//! | `clearline` | ClearLine's page |
//! | `one_api` | Clickatell One API's page |
//! | `spec_examples` | every `example` and `examples` value in `openapi/*.json` |

#[path = "documented_examples/clearline.rs"]
mod clearline;
#[path = "documented_examples/one_api.rs"]
mod one_api;
#[path = "documented_examples/smarthive.rs"]
mod smarthive;
#[path = "documented_examples/spec_examples.rs"]
mod spec_examples;

use std::fs;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use smsgate_doc_examples::CodeBlock;

const SMARTHIVE_PAGE: &str = "openapi/upstream/smarthive/002_e463ac632014d8f7.txt";
const CLEARLINE_PAGE: &str = "openapi/upstream/clearline/004_cbac217a58160243.txt";
const ONE_API_PAGE: &str = "openapi/upstream/clickatell/001_f60ccb3e278e68d8.txt";

/// The six effective specs, by file stem.
const SPECS: [&str; 6] = [
    "clearline-callbacks",
    "clearline-sms-api",
    "clickatell-one-api-callbacks",
    "clickatell-sms-api",
    "clickatell-sms-callbacks",
    "smarthive-callbacks",
];

fn read_repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

fn spec(name: &str) -> Value {
    serde_json::from_str(&read_repo_file(&format!("openapi/{name}.json")))
        .unwrap_or_else(|e| panic!("openapi/{name}.json is not JSON: {e}"))
}

// ---------------------------------------------------------------------------
// Code blocks of a provider page
// ---------------------------------------------------------------------------

/// The one block of `page` that `matches`; fails unless there is exactly one.
fn only_block<'a>(page: &str, blocks: &'a [CodeBlock], what: &str, matches: impl Fn(&CodeBlock) -> bool) -> &'a str {
    let found: Vec<_> = blocks.iter().filter(|b| matches(b)).collect();
    assert_eq!(
        found.len(),
        1,
        "{page}: expected exactly one code block with {what}, found {found:#?}"
    );
    found[0]
        .json_text()
        .unwrap_or_else(|| panic!("{page}: the block with {what} holds no JSON"))
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Reads `bytes` the way the receiver does (smsgate::lenient), and checks that
/// writing the value back gives the JSON that was read: nothing dropped,
/// renamed, coerced or added.
fn read_lossless<T: DeserializeOwned + Serialize + schemars::JsonSchema>(what: &str, bytes: &str) -> T {
    let read: T = smsgate::lenient::from_slice(bytes.as_bytes())
        .unwrap_or_else(|e| panic!("{what} does not read as {}: {e}\n{bytes}", std::any::type_name::<T>()));
    let parsed = smsgate::lenient::parse(bytes.as_bytes()).expect("it was read, so it parses");
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        parsed,
        "{what}: written back, the value differs from the document"
    );
    read
}

/// The example with the given location in an effective spec.
fn spec_example(spec: &Value, pointer: &str) -> Value {
    spec.pointer(pointer)
        .unwrap_or_else(|| panic!("no example at {pointer}"))
        .clone()
}
