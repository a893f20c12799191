//! The waker a WebSocket's writer gives the socket.
//!
//! tokio-tungstenite keeps one waker per direction and wakes both whenever the socket is
//! ready either way: every frame read also woke the writer, which then took its queue's lock
//! to find nothing (about 150 instructions per echo, callgrind). [`WriteWaker`] passes a wake
//! on only while a write of the writer's is pending on the socket; the queue wakes the writer
//! by its own waker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use crate::wake_gate::{PolledBy, TaskSlot};

pub(crate) struct WriteWaker {
    shared: Arc<Armed>,
    waker: Waker,
    task: PolledBy,
}

struct Armed {
    /// Set for the length of a write, and left set when the write is pending.
    armed: AtomicBool,
    task: TaskSlot,
}

impl Wake for Armed {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Unarmed, the writer waits on its queue, or is running: the socket has nothing
        // for it.
        if self.armed.load(Ordering::Acquire) {
            self.task.wake();
        }
    }
}

impl WriteWaker {
    pub(crate) fn new() -> Self {
        let shared = Arc::new(Armed {
            armed: AtomicBool::new(false),
            task: TaskSlot::new(),
        });
        WriteWaker {
            waker: Waker::from(shared.clone()),
            shared,
            task: PolledBy::default(),
        }
    }

    /// `write` with this waker in place of the task's: a wake while it runs, or after it
    /// returned pending, reaches the task; one after it was ready does not.
    #[inline]
    pub(crate) fn poll<T>(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        // The task and the flag are set before the write, so that no wake it waits for is
        // lost.
        self.task.set(&self.shared.task, cx.waker());
        self.shared.armed.store(true, Ordering::Release);
        let polled = write(&mut Context::from_waker(&self.waker));
        if polled.is_ready() {
            self.shared.armed.store(false, Ordering::Release);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn passes_on_only_the_wakes_of_a_pending_write() {
        let count = Arc::new(Count::default());
        let task = Waker::from(count.clone());
        let mut cx = Context::from_waker(&task);
        let mut writer = WriteWaker::new();
        let mut socket_waker = None;
        // A write that completes: the socket keeps the waker (as tokio-tungstenite does),
        // and its wakes go nowhere.
        let done = writer.poll(&mut cx, |cx| {
            socket_waker = Some(cx.waker().clone());
            Poll::Ready(())
        });
        assert!(done.is_ready());
        socket_waker.as_ref().unwrap().wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        // A write that is pending: the socket's wake reaches the task.
        let pending = writer.poll(&mut cx, |cx| {
            socket_waker = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        assert!(pending.is_pending());
        socket_waker.as_ref().unwrap().wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // Ready again: quiet again.
        assert!(writer.poll(&mut cx, |_| Poll::Ready(())).is_ready());
        socket_waker.unwrap().wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }
}
