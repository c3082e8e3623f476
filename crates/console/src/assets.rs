//! The stylesheet and the one script, compiled into the binary so that the
//! console needs nothing from anywhere but smsgate itself (the pages'
//! Content-Security-Policy allows nothing else).

/// An asset the console serves under `/ui/assets/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

/// Every asset, by name.
pub const ASSETS: [Asset; 2] = [
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../assets/console.css"),
    },
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/console.js"),
    },
];

/// The asset called `name`, if there is one.
pub fn asset(name: &str) -> Option<Asset> {
    ASSETS.into_iter().find(|asset| asset.name == name)
}

/// The headers every console response carries: nothing may load from
/// elsewhere or run inline, no page may be framed, and no URL leaks to
/// another site through a `Referer` (`same-origin`, not `no-referrer`:
/// with that, browsers send `Origin: null` on the console's own forms,
/// which the receiver's same-origin check would refuse).
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
];
