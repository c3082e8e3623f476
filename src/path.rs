//! Percent-encoding of path parameters for the generated clients.
//!
//! progenitor-client 0.15's `encode_path` leaves `\` (and `|`, `^`, `[`, `]`)
//! as they are; the URL parser then reads a `\` in an http(s) URL as `/`,
//! so `GET /v1/messages/clickatell/a\b` asked for `/a/b`. smsgate-codegen
//! points every generated client at this function instead: it leaves only
//! RFC 3986's unreserved characters unencoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but `A-Z a-z 0-9 - . _ ~`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `segment` as one path segment of a URL.
pub(crate) fn encode_path(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn a_segment_stays_one_segment_whatever_it_holds() {
        assert_eq!(encode_path("abc-1.2_3~"), "abc-1.2_3~");
        assert_eq!(encode_path(r"a\b/c?d#e%f g"), "a%5Cb%2Fc%3Fd%23e%25f%20g");
        assert_eq!(encode_path("é|^[]"), "%C3%A9%7C%5E%5B%5D");
        let url = reqwest::Url::parse(&format!("http://h/v1/{}", encode_path(r"a\b/c"))).unwrap();
        assert_eq!(url.path_segments().unwrap().collect::<Vec<_>>(), ["v1", r"a%5Cb%2Fc"]);
    }
}
