//! Comparing a schema's bounds: minimum, maximum, minLength, maxLength,
//! minItems, maxItems.
//!
//! Six keywords times two sides times four moves (tightened, relaxed, set,
//! unset) would be 48 near-identical branches; instead one table says, for
//! each keyword, whether it bounds from above and which oasdiff rule (if
//! any) names each move on each side, and one function reads a pair of
//! bounds through it. A move oasdiff has no rule for (a response bound
//! tightened, a request bound unset) is not reported.

use crate::rules::{self, Rule};
use crate::view::Limits;

/// The rules for one keyword's moves on one side.
struct Moves {
    tightened: Option<&'static Rule>,
    relaxed: Option<&'static Rule>,
    set: Option<&'static Rule>,
    unset: Option<&'static Rule>,
}

const NONE: Moves = Moves {
    tightened: None,
    relaxed: None,
    set: None,
    unset: None,
};

struct Bound {
    keyword: &'static str,
    /// `maximum`-like: a smaller value tightens.
    upper: bool,
    get: fn(&Limits) -> Option<f64>,
    request: Moves,
    response: Moves,
}

const BOUNDS: &[Bound] = &[
    Bound {
        keyword: "maximum",
        upper: true,
        get: |l| l.maximum,
        request: Moves {
            tightened: Some(&rules::REQUEST_PROPERTY_MAX_DECREASED),
            relaxed: Some(&rules::REQUEST_PROPERTY_MAX_INCREASED),
            set: Some(&rules::REQUEST_PROPERTY_MAX_SET),
            unset: None,
        },
        response: Moves {
            relaxed: Some(&rules::RESPONSE_PROPERTY_MAX_INCREASED),
            ..NONE
        },
    },
    Bound {
        keyword: "minimum",
        upper: false,
        get: |l| l.minimum,
        request: Moves {
            tightened: Some(&rules::REQUEST_PROPERTY_MIN_INCREASED),
            relaxed: Some(&rules::REQUEST_PROPERTY_MIN_DECREASED),
            set: Some(&rules::REQUEST_PROPERTY_MIN_SET),
            unset: None,
        },
        response: Moves {
            relaxed: Some(&rules::RESPONSE_PROPERTY_MIN_DECREASED),
            ..NONE
        },
    },
    Bound {
        keyword: "maxLength",
        upper: true,
        get: |l| l.max_length,
        request: Moves {
            tightened: Some(&rules::REQUEST_PROPERTY_MAX_LENGTH_DECREASED),
            relaxed: Some(&rules::REQUEST_PROPERTY_MAX_LENGTH_INCREASED),
            set: Some(&rules::REQUEST_PROPERTY_MAX_LENGTH_SET),
            unset: None,
        },
        response: Moves {
            relaxed: Some(&rules::RESPONSE_PROPERTY_MAX_LENGTH_INCREASED),
            unset: Some(&rules::RESPONSE_PROPERTY_MAX_LENGTH_UNSET),
            ..NONE
        },
    },
    Bound {
        keyword: "minLength",
        upper: false,
        get: |l| l.min_length,
        request: Moves {
            tightened: Some(&rules::REQUEST_PROPERTY_MIN_LENGTH_INCREASED),
            relaxed: Some(&rules::REQUEST_PROPERTY_MIN_LENGTH_DECREASED),
            ..NONE
        },
        response: Moves {
            relaxed: Some(&rules::RESPONSE_PROPERTY_MIN_LENGTH_DECREASED),
            ..NONE
        },
    },
    Bound {
        keyword: "maxItems",
        upper: true,
        get: |l| l.max_items,
        request: Moves {
            tightened: Some(&rules::REQUEST_PROPERTY_MAX_ITEMS_DECREASED),
            relaxed: Some(&rules::REQUEST_PROPERTY_MAX_ITEMS_INCREASED),
            set: Some(&rules::REQUEST_PROPERTY_MAX_ITEMS_SET),
            unset: None,
        },
        response: Moves {
            relaxed: Some(&rules::RESPONSE_PROPERTY_MAX_ITEMS_INCREASED),
            ..NONE
        },
    },
    Bound {
        keyword: "minItems",
        upper: false,
        get: |l| l.min_items,
        request: Moves {
            tightened: Some(&rules::REQUEST_PROPERTY_MIN_ITEMS_INCREASED),
            set: Some(&rules::REQUEST_PROPERTY_MIN_ITEMS_SET),
            ..NONE
        },
        response: Moves {
            relaxed: Some(&rules::RESPONSE_PROPERTY_MIN_ITEMS_DECREASED),
            unset: Some(&rules::RESPONSE_PROPERTY_MIN_ITEMS_UNSET),
            ..NONE
        },
    },
];

/// The bound changes between two schemas of the request side (`request`)
/// or the response side, as (rule, message without its subject).
pub(crate) fn changes(old: &Limits, new: &Limits, request: bool) -> Vec<(&'static Rule, String)> {
    let mut out = Vec::new();
    for bound in BOUNDS {
        let moves = if request { &bound.request } else { &bound.response };
        let keyword = bound.keyword;
        let found = match ((bound.get)(old), (bound.get)(new)) {
            (None, Some(b)) => moves.set.map(|r| (r, format!("gained {keyword} {b}"))),
            (Some(a), None) => moves.unset.map(|r| (r, format!("lost {keyword} {a}"))),
            (Some(a), Some(b)) if a != b => {
                let (rule, how) = if (b < a) == bound.upper {
                    (moves.tightened, if bound.upper { "decreased" } else { "increased" })
                } else {
                    (moves.relaxed, if bound.upper { "increased" } else { "decreased" })
                };
                rule.map(|r| (r, format!("{keyword} {how} from {a} to {b}")))
            }
            _ => None,
        };
        out.extend(found);
    }
    out
}
