//! One WebSocket stream for the connection's reader and its writer, which run in one task
//! ([`Duplex`](super::duplex::Duplex)) and so never use it at once.

use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_util::Stream;

/// A handle on a shared socket: a [`Stream`] of what it reads, and the socket itself for a
/// call at a time (the writer hands it a whole batch under one borrow).
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
    pub(crate) fn poll_socket<T>(&mut self, f: impl FnOnce(Pin<&mut S>) -> T) -> T
    where
        S: Unpin,
    {
        // A panic while the socket was borrowed leaves it as whole as any other state.
        let mut socket = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(Pin::new(&mut *socket))
    }
}

impl<S: Stream + Unpin> Stream for SocketHandle<'_, S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.poll_socket(|socket| socket.poll_next(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{Sink, StreamExt};

    #[tokio::test]
    async fn every_handle_reaches_the_one_socket() {
        let sink = Mutex::new(futures_util::sink::drain::<u32>());
        let mut writer = SocketHandle::new(&sink);
        let mut also = SocketHandle::new(&sink);
        let waker = futures_util::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        for handle in [&mut writer, &mut also] {
            let sent = handle.poll_socket(|mut socket| {
                futures_util::ready!(socket.as_mut().poll_ready(&mut cx))?;
                socket.as_mut().start_send(1)?;
                socket.poll_flush(&mut cx)
            });
            assert!(sent.is_ready());
        }
        let stream = Mutex::new(futures_util::stream::iter([7, 8]));
        let mut reader = SocketHandle::new(&stream);
        assert_eq!(reader.next().await, Some(7));
        assert_eq!(SocketHandle::new(&stream).next().await, Some(8));
        assert_eq!(reader.next().await, None);
    }
}
