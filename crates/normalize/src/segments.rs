//! How many SMS parts a text takes, which is what providers bill and pace
//! by: GSM 03.38 text (the basic character set, where each character of the
//! extension table counts two) is 160 characters in one part and 153 per
//! part when it needs several; anything else is sent as UCS-2, 70 and 67
//! (counted in UTF-16 units, so a character outside the basic plane counts
//! two).

/// The GSM 03.38 basic character set (default alphabet), one septet each.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: an escape septet and the character, two each.
const GSM_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// The text's encoding and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    /// Whether the text fits GSM 03.38 (else it goes as UCS-2).
    pub gsm: bool,
    /// Septets (GSM) or UTF-16 units (UCS-2).
    pub units: usize,
    /// Parts the text is sent in (at least 1, even for an empty text).
    pub parts: u32,
}

/// Counts the parts `text` is sent in.
pub fn count(text: &str) -> Segments {
    let septets: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (gsm, units, single, multi) = match septets {
        Some(septets) => (true, septets, 160, 153),
        None => (false, text.encode_utf16().count(), 70, 67),
    };
    let parts = if units <= single { 1 } else { units.div_ceil(multi) };
    Segments {
        gsm,
        units,
        parts: u32::try_from(parts).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn gsm_text_is_160_in_one_part_and_153_per_part_beyond() {
        assert_eq!(count("").parts, 1);
        assert_eq!(count(&"a".repeat(160)).parts, 1);
        assert_eq!(count(&"a".repeat(161)).parts, 2);
        assert_eq!(count(&"a".repeat(306)).parts, 2);
        assert_eq!(count(&"a".repeat(307)).parts, 3);
        assert!(count("Héllo @ £5, ÄÖÑÜ§¿").gsm);
    }

    #[test]
    fn extension_characters_count_two() {
        let text = format!("{}€", "a".repeat(158));
        assert_eq!((count(&text).units, count(&text).parts), (160, 1));
        let text = format!("{}[", "a".repeat(159));
        assert_eq!((count(&text).units, count(&text).parts), (161, 2));
    }

    #[test]
    fn anything_else_is_ucs2_at_70_and_67() {
        assert!(!count("ç").gsm, "c-cedilla lower case is not in GSM 03.38");
        assert_eq!(count(&"ж".repeat(70)).parts, 1);
        assert_eq!(count(&"ж".repeat(71)).parts, 2);
        assert_eq!(count(&"ж".repeat(134)).parts, 2);
        assert_eq!(count(&"ж".repeat(135)).parts, 3);
        // An emoji is two UTF-16 units.
        assert_eq!(count(&"😀".repeat(35)).units, 70);
        assert_eq!(count(&"😀".repeat(36)).parts, 2);
    }
}
