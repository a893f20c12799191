//! A WebSocket connection's reader and writer, in one task.
//!
//! The reader runs the hooks; the writer drains the peer's queue into the
//! socket. As two tasks, every echo cost a cross-task wake and a second task
//! poll. As one plain `select!`, every message a hook queued woke the task
//! that was running the hook, which tokio then polled once more for nothing
//! (measured: more instructions per echo than two tasks). [`Duplex`] polls
//! each half only after that half's own waker fired, and a wake raised while
//! the task is being polled (the hook queueing a message, another thread
//! publishing) is served in the same poll, without waking the task.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

const READER: u8 = 1;
const WRITER: u8 = 2;
/// Set while [`Duplex::poll`] runs: wakes then only leave their bit.
const POLLING: u8 = 4;

/// How many times one poll of the task may go round the halves. A half that
/// wakes itself while polled (tokio's budget ran out) must not spin here: past
/// this, the task yields to the scheduler.
const ROUNDS: usize = 8;

struct Shared {
    bits: AtomicU8,
    task: AtomicWaker,
}

struct Half {
    shared: Arc<Shared>,
    bit: u8,
}

impl Wake for Half {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let before = self.shared.bits.fetch_or(self.bit, Ordering::AcqRel);
        // While polling, the poll loop sees the bit; if the bit was already set,
        // the task was already woken for it.
        if before & (POLLING | self.bit) == 0 {
            self.shared.task.wake();
        }
    }
}

/// Runs `reader` and `writer` in the calling task until `reader` ends.
pub(crate) struct Duplex<'a, R, W> {
    reader: Pin<&'a mut R>,
    /// `None` once it ended.
    writer: Option<Pin<&'a mut W>>,
    shared: Arc<Shared>,
    reader_waker: Waker,
    writer_waker: Waker,
}

impl<'a, R: Future, W: Future<Output = ()>> Duplex<'a, R, W> {
    pub(crate) fn new(reader: Pin<&'a mut R>, writer: Pin<&'a mut W>) -> Self {
        let shared = Arc::new(Shared {
            // Both halves are polled first, to register their interest.
            bits: AtomicU8::new(READER | WRITER),
            task: AtomicWaker::new(),
        });
        let half = |bit| {
            Waker::from(Arc::new(Half {
                shared: shared.clone(),
                bit,
            }))
        };
        Duplex {
            reader_waker: half(READER),
            writer_waker: half(WRITER),
            reader,
            writer: Some(writer),
            shared,
        }
    }

    /// The writer, unless it already ended; for the time it may still take
    /// after the reader ended.
    pub(crate) fn into_writer(self) -> Option<Pin<&'a mut W>> {
        self.writer
    }
}

impl<R: Future, W: Future<Output = ()>> Future for Duplex<'_, R, W> {
    type Output = R::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R::Output> {
        let this = &mut *self;
        this.shared.task.register(cx.waker());
        let mut woken = this.shared.bits.swap(POLLING, Ordering::AcqRel) & !POLLING;
        let mut rounds = 0;
        loop {
            if woken == 0 {
                // A wake that came after the last look makes this fail: go round again.
                if this
                    .shared
                    .bits
                    .compare_exchange(POLLING, 0, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return Poll::Pending;
                }
                woken = this.shared.bits.fetch_and(POLLING, Ordering::AcqRel) & !POLLING;
                continue;
            }
            if rounds == ROUNDS {
                this.shared.bits.fetch_or(woken, Ordering::AcqRel);
                this.shared.bits.fetch_and(!POLLING, Ordering::AcqRel);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            rounds += 1;
            // The writer first: what the last round's hooks queued goes out before
            // more is read.
            if woken & WRITER != 0 {
                if let Some(writer) = this.writer.as_mut() {
                    let mut wcx = Context::from_waker(&this.writer_waker);
                    if writer.as_mut().poll(&mut wcx).is_ready() {
                        this.writer = None;
                    }
                }
            }
            if woken & READER != 0 {
                let mut rcx = Context::from_waker(&this.reader_waker);
                if let Poll::Ready(output) = this.reader.as_mut().poll(&mut rcx) {
                    this.shared.bits.fetch_and(!POLLING, Ordering::AcqRel);
                    return Poll::Ready(output);
                }
            }
            woken = this.shared.bits.fetch_and(POLLING, Ordering::AcqRel) & !POLLING;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    /// What a test sees of one half: its polls, whether it is done, its last waker.
    #[derive(Default)]
    struct Side {
        polls: Cell<usize>,
        ready: Cell<bool>,
        waker: Mutex<Option<Waker>>,
    }

    impl Side {
        /// A future for this side that, each time it runs, wakes `other`'s waker (as a
        /// hook queueing a message wakes the writer).
        fn probe<'a>(&'a self, wakes: Option<&'a Side>) -> Probe<'a> {
            Probe { side: self, wakes }
        }

        fn wake(&self) {
            if let Some(waker) = self.waker.lock().unwrap().as_ref() {
                waker.wake_by_ref();
            }
        }
    }

    struct Probe<'a> {
        side: &'a Side,
        wakes: Option<&'a Side>,
    }

    impl Future for Probe<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let side = self.side;
            side.polls.set(side.polls.get() + 1);
            *side.waker.lock().unwrap() = Some(cx.waker().clone());
            if let Some(other) = self.wakes {
                other.wake();
            }
            if side.ready.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    /// The task's waker, counting its wakes.
    #[derive(Default)]
    struct Task(AtomicUsize);

    impl Wake for Task {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Task {
        fn wakes(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn polls(reader: &Side, writer: &Side) -> (usize, usize) {
        (reader.polls.get(), writer.polls.get())
    }

    #[test]
    fn polls_only_the_half_that_was_woken() {
        let (r, w) = (Side::default(), Side::default());
        let mut reader = std::pin::pin!(r.probe(None));
        let mut writer = std::pin::pin!(w.probe(None));
        let task = Arc::new(Task::default());
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (1, 1));

        // The writer's waker fires from outside: the task is woken, and only the
        // writer is polled.
        w.wake();
        assert_eq!(task.wakes(), 1);
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (1, 2));

        // A spurious poll polls nothing.
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (1, 2));

        r.ready.set(true);
        r.wake();
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_ready());
        assert_eq!(polls(&r, &w), (2, 2));
        assert!(duplex.into_writer().is_some());
    }

    #[test]
    fn a_wake_raised_while_polling_is_served_in_the_same_poll_without_a_task_wake() {
        let (r, w) = (Side::default(), Side::default());
        let mut writer = std::pin::pin!(w.probe(None));
        // The reader wakes the writer every time it runs, as a hook sending would.
        let mut reader = std::pin::pin!(r.probe(Some(&w)));
        let task = Arc::new(Task::default());
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        // First round: both; the reader woke the writer, so a second round polls it.
        assert_eq!(polls(&r, &w), (1, 2));

        r.wake();
        assert_eq!(task.wakes(), 1);
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (2, 3));
        // Neither poll woke the task again.
        assert_eq!(task.wakes(), 1);

        // The writer ends: it is not polled again.
        w.ready.set(true);
        r.wake();
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (3, 4));
        r.wake();
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (4, 4));
        assert!(duplex.into_writer().is_none());
    }

    #[test]
    fn a_half_that_keeps_waking_itself_makes_the_task_yield() {
        let (r, w) = (Side::default(), Side::default());
        let mut writer = std::pin::pin!(w.probe(None));
        let mut reader = std::pin::pin!(r.probe(Some(&r)));
        let task = Arc::new(Task::default());
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        // The reader wakes itself every time it is polled: each poll of the task goes
        // round ROUNDS times, then yields through a real wake, keeping the bit.
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (ROUNDS, 1));
        assert_eq!(task.wakes(), 1);
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!(polls(&r, &w), (2 * ROUNDS, 1));
        assert_eq!(task.wakes(), 2);
    }
}
