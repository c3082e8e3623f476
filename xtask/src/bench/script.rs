//! The load wrk puts on a server: a Lua script (`mix.lua`, beside this file,
//! so that it reads and diffs as Lua) generating the mix of
//! callbacks (every callback route, Clickatell SMS statuses and replies by
//! POST and GET, One API statuses in batches of 1 to 3 events, One API
//! replies, SmartHive reports single and in batches, ClearLine statuses),
//! in one of three [`Mode`]s, and the file of stored requests a replay run
//! sends again.
//!
//! Every new event carries a message id `bm<run><thread>x<n>[-<k>]` that no
//! other event has, in this run or any other on the same store, so the
//! distinct events acknowledged are the distinct ids in the stored raw
//! requests.

use std::fmt::Write as _;

use super::store::StoredRequest;

/// The callback secret the benchmark runs the receiver with, and the
/// scripts put in every request.
pub const TOKEN: &str = "bench-secret";

/// What a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// New callbacks, 20% of the requests repeating an earlier request of
    /// the same wrk thread (a provider retry).
    Mixed,
    /// New callbacks only.
    New,
    /// Only requests the store already holds, sent again: duplicates only.
    Replay,
}

impl Mode {
    /// The script's first argument.
    pub fn arg(self) -> &'static str {
        match self {
            Mode::Mixed => "mixed",
            Mode::New => "new",
            Mode::Replay => "replay",
        }
    }
}

/// The replay file: a Lua list of `{method, path?token&query, body, content type}`.
pub fn replay_file(requests: &[StoredRequest]) -> String {
    let mut lua = String::from("return {\n");
    for request in requests {
        let mut target = format!("{}?token={TOKEN}", request.path);
        if let Some(query) = &request.query {
            target.push('&');
            target.push_str(query);
        }
        let body = match request.method.as_str() {
            "GET" => "nil".to_string(),
            _ => lua_string(&request.body),
        };
        let content_type = request
            .content_type
            .as_deref()
            .map_or("nil".to_string(), |ct| lua_string(ct.as_bytes()));
        let _ = writeln!(
            lua,
            "  {{{}, {}, {body}, {content_type}}},",
            lua_string(request.method.as_bytes()),
            lua_string(target.as_bytes())
        );
    }
    lua.push_str("}\n");
    lua
}

/// `bytes` as a Lua string literal: printable ASCII as is, everything else
/// (and the quote and the backslash) as a decimal escape.
fn lua_string(bytes: &[u8]) -> String {
    let mut literal = String::with_capacity(bytes.len() + 2);
    literal.push('"');
    for &byte in bytes {
        if (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\' {
            literal.push(char::from(byte));
        } else {
            let _ = write!(literal, "\\{byte:03}");
        }
    }
    literal.push('"');
    literal
}

/// The wrk script: the mix of callbacks, repeats as [`Mode`] says, and 200s
/// counted per thread and printed at the end.
pub fn lua_script() -> String {
    LUA.replace("@TOKEN@", TOKEN)
}

/// The script itself, with `@TOKEN@` for the callback secret.
const LUA: &str = include_str!("mix.lua");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_strings_escape_what_lua_would_misread() {
        assert_eq!(lua_string(b"a\"b\\c\n\xff"), r#""a\034b\092c\010\255""#);
    }

    #[test]
    fn the_replay_file_puts_the_secret_back_before_the_stored_query() {
        let get = StoredRequest {
            method: "GET".into(),
            path: "/client-callback/sms-status".into(),
            query: Some("messageId=bm1x1".into()),
            content_type: None,
            body: Vec::new(),
        };
        let post = StoredRequest {
            method: "POST".into(),
            path: "/client-callback/clearline-status".into(),
            query: None,
            content_type: Some("application/json".into()),
            body: br#"{"messageId":"bm1x2"}"#.to_vec(),
        };
        let file = replay_file(&[get, post]);
        assert!(
            file.contains(r#"{"GET", "/client-callback/sms-status?token=bench-secret&messageId=bm1x1", nil, nil},"#),
            "{file}"
        );
        assert!(file.contains(r#""/client-callback/clearline-status?token=bench-secret", "{\034messageId\034:\034bm1x2\034}", "application/json"}"#), "{file}");
    }
}
