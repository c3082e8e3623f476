//! Opt-outs: which inbound texts add their sender to the opt-out list or
//! take them off it, and the one spelling of a number they are kept under
//! (E.164: an inbound `27820000001` and an outbound `+27820000001` are the
//! same person).

/// What an inbound text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// STOP and its synonyms: no more messages.
    OptOut,
    /// START or UNSTOP: messages again.
    OptIn,
}

/// The texts that opt out, upper case.
pub const OPT_OUT_WORDS: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
];
/// The texts that opt back in, upper case.
pub const OPT_IN_WORDS: [&str; 2] = ["START", "UNSTOP"];

/// The request a text makes: the whole text, trimmed, in any case, is one
/// of the words ("STOP please" is not).
pub fn request(text: &str) -> Option<Request> {
    let word = text.trim().to_uppercase();
    if OPT_OUT_WORDS.contains(&word.as_str()) {
        Some(Request::OptOut)
    } else if OPT_IN_WORDS.contains(&word.as_str()) {
        Some(Request::OptIn)
    } else {
        None
    }
}

/// `number` in E.164: a `+` before its digits (spaces, dashes and a
/// leading `00` dropped); `None` when it is not a phone number at all.
pub fn e164(number: &str) -> Option<String> {
    let trimmed = number.trim();
    let digits: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let digits = digits
        .strip_prefix('+')
        .or_else(|| digits.strip_prefix("00"))
        .unwrap_or(&digits);
    ((8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())).then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_keyword_in_any_case_counts() {
        for text in ["STOP", " stop ", "Stop\n", "unsubscribe", "StopAll", "optout", "REVOKE"] {
            assert_eq!(request(text), Some(Request::OptOut), "{text:?}");
        }
        for text in ["start", "UNSTOP "] {
            assert_eq!(request(text), Some(Request::OptIn), "{text:?}");
        }
        for text in ["stop please", "don't stop", "STOPP", "", "yes"] {
            assert_eq!(request(text), None, "{text:?}");
        }
    }

    #[test]
    fn numbers_are_compared_in_e164() {
        assert_eq!(e164("27820000001").as_deref(), Some("+27820000001"));
        assert_eq!(e164("+27820000001").as_deref(), Some("+27820000001"));
        assert_eq!(e164("0027 82 000-0001").as_deref(), Some("+27820000001"));
        assert_eq!(e164("ACME"), None);
        assert_eq!(e164("+1234"), None);
    }
}
