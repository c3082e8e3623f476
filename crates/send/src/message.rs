//! A message to send, and the checks every recipient passes before any
//! request leaves.

/// One SMS to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The recipient's number: digits, optionally with a leading `+`.
    pub to: String,
    pub text: String,
    /// The sender number, where the provider takes one (Clickatell).
    pub from: Option<String>,
    /// Our own id for the message (Clickatell's `clientMessageId`).
    pub client_message_id: Option<String>,
}

/// Why a value cannot be a phone number; says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a phone number: expected 6 to 15 digits, optionally after a `+` (e.g. +27820000000)")]
pub struct BadNumber(pub String);

/// Checks a recipient or sender number (E.164 length, digits only).
pub fn check_number(number: &str) -> Result<(), BadNumber> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(BadNumber(number.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_digits_with_an_optional_plus() {
        assert!(check_number("+27820000000").is_ok());
        assert!(check_number("27820000000").is_ok());
        for bad in ["", "+", "27-82", "abc", "12345", "+1234567890123456", "++2782000000"] {
            assert_eq!(check_number(bad), Err(BadNumber(bad.to_string())), "{bad}");
        }
    }
}
