//! What the simulator accepted and where each callback is, for
//! `GET /simulator/messages`.

use std::sync::Mutex;

use smsgate_simulator_api::control::{CallbackView, MessageView, MessagesView};

#[derive(Default)]
pub struct Ledger {
    messages: Mutex<Vec<MessageView>>,
}

impl Ledger {
    /// Records an accepted message; returns its index for [`Ledger::update`].
    pub fn record(&self, message: MessageView) -> usize {
        let mut messages = self.messages.lock().expect("no panic while recording");
        messages.push(message);
        messages.len() - 1
    }

    /// Updates callback `callback` of message `message`.
    pub fn update(&self, message: usize, callback: usize, change: impl FnOnce(&mut CallbackView)) {
        let mut messages = self.messages.lock().expect("no panic while recording");
        change(&mut messages[message].callbacks[callback]);
    }

    /// The ledger, with the counts of `refused` and `throttled` send requests.
    pub fn view(&self, refused: u64, throttled: u64) -> MessagesView {
        MessagesView {
            messages: self.messages.lock().expect("no panic while recording").clone(),
            refused,
            throttled,
        }
    }
}
