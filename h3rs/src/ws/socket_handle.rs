//! One WebSocket stream for the connection's reader and its writer, which run in one task
//! ([`Duplex`](super::duplex::Duplex)) and so never use it at once.

use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_util::{Sink, Stream};

/// A handle on a shared socket: a [`Stream`] of what it reads and a [`Sink`] of what it
/// writes.
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

    fn poll_with<T>(&self, f: impl FnOnce(Pin<&mut S>) -> T) -> T
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

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.poll_with(|socket| socket.poll_next(cx))
    }
}

impl<S: Sink<Item> + Unpin, Item> Sink<Item> for SocketHandle<'_, S> {
    type Error = S::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.poll_with(|socket| socket.poll_ready(cx))
    }

    fn start_send(self: Pin<&mut Self>, item: Item) -> Result<(), S::Error> {
        self.poll_with(|socket| socket.start_send(item))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.poll_with(|socket| socket.poll_flush(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.poll_with(|socket| socket.poll_close(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{SinkExt, StreamExt};

    #[tokio::test]
    async fn every_handle_reaches_the_one_socket() {
        let sink = Mutex::new(Vec::<u32>::new());
        let mut writer = SocketHandle::new(&sink);
        let mut also = SocketHandle::new(&sink);
        writer.send(1).await.unwrap();
        also.feed(2).await.unwrap();
        also.flush().await.unwrap();
        writer.close().await.unwrap();
        assert_eq!(*sink.lock().unwrap(), [1, 2]);
        let stream = Mutex::new(futures_util::stream::iter([7, 8]));
        let mut reader = SocketHandle::new(&stream);
        assert_eq!(reader.next().await, Some(7));
        assert_eq!(SocketHandle::new(&stream).next().await, Some(8));
        assert_eq!(reader.next().await, None);
    }
}
