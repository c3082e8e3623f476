//! One module per page, each a pure function from the views to a whole
//! HTML document.

pub mod error;
pub mod exports;
pub mod inbound;
pub mod message;
pub mod messages;
pub mod outbound;
pub mod providers;
pub mod quarantine;
pub mod sign_in;
