//! One WebSocket stream for the connection's reader and its writer, which run in one task
//! ([`Duplex`](super::duplex::Duplex)) and so never use it at once.

use std::sync::{Mutex, PoisonError};

/// A handle on a shared socket, for a call at a time (the writer hands it a whole batch
/// under one borrow).
///
/// The lock is taken within one poll, never across an await, and the two halves of a
/// connection never poll at once: it is never contended, and costs two atomic operations.
/// `StreamExt::split`'s `BiLock`, made for halves in different tasks, cost about 240
/// instructions per echo (callgrind).
pub(crate) struct SocketHandle<'a, S>(&'a Mutex<S>);

impl<'a, S> SocketHandle<'a, S> {
    pub(crate) fn new(socket: &'a Mutex<S>) -> Self {
        SocketHandle(socket)
    }

    /// `f` on the socket, borrowed for that call only.
    pub(crate) fn poll_socket<T>(&mut self, f: impl FnOnce(&mut S) -> T) -> T {
        // A panic while the socket was borrowed leaves it as whole as any other state.
        let mut socket = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut socket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handle_reaches_the_one_socket() {
        let socket = Mutex::new(Vec::new());
        let mut reader = SocketHandle::new(&socket);
        let mut writer = SocketHandle::new(&socket);
        writer.poll_socket(|socket| socket.push(1));
        reader.poll_socket(|socket| socket.push(2));
        writer.poll_socket(|socket| socket.push(3));
        assert_eq!(reader.poll_socket(|socket| socket.clone()), [1, 2, 3]);
    }
}
