//! One module per page, each a pure function from the views to a whole
//! HTML document.

pub mod message;
pub mod outbound;
pub mod sign_in;
