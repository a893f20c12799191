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
        this.shared.bits.fetch_or(POLLING, Ordering::AcqRel);
        let mut rounds = 0;
        loop {
            let woken = this.shared.bits.fetch_and(POLLING, Ordering::AcqRel) & !POLLING;
            if woken == 0 {
                // A wake that came after the `fetch_and` makes this fail: go round again.
                if this
                    .shared
                    .bits
                    .compare_exchange(POLLING, 0, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return Poll::Pending;
                }
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::Mutex;

    /// Counts its polls; ready once `ready` is set; keeps its last waker.
    struct Probe<'a> {
        polls: &'a Cell<usize>,
        ready: &'a Cell<bool>,
        waker: &'a Mutex<Option<Waker>>,
        /// Wakes this waker while being polled (a hook queueing a message).
        wake_other: Option<&'a Mutex<Option<Waker>>>,
    }

    impl Future for Probe<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if let Some(other) = self.wake_other {
                if let Some(waker) = other.lock().unwrap().as_ref() {
                    waker.wake_by_ref();
                }
            }
            if self.ready.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    struct CountingWaker(std::sync::atomic::AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn polls_only_the_half_that_was_woken() {
        let (rp, wp) = (Cell::new(0), Cell::new(0));
        let (rr, wr) = (Cell::new(false), Cell::new(false));
        let (rw, ww) = (Mutex::new(None), Mutex::new(None));
        let mut reader = std::pin::pin!(Probe {
            polls: &rp,
            ready: &rr,
            waker: &rw,
            wake_other: None,
        });
        let mut writer = std::pin::pin!(Probe {
            polls: &wp,
            ready: &wr,
            waker: &ww,
            wake_other: None,
        });
        let task = Arc::new(CountingWaker(Default::default()));
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (1, 1));

        // The writer's waker fires from outside: the task is woken, and only the
        // writer is polled.
        ww.lock().unwrap().as_ref().unwrap().wake_by_ref();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (1, 2));

        // A spurious poll polls nothing.
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (1, 2));

        rr.set(true);
        rw.lock().unwrap().as_ref().unwrap().wake_by_ref();
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_ready());
        assert_eq!((rp.get(), wp.get()), (2, 2));
        assert!(duplex.into_writer().is_some());
    }

    #[test]
    fn a_wake_raised_while_polling_is_served_in_the_same_poll_without_a_task_wake() {
        let (rp, wp) = (Cell::new(0), Cell::new(0));
        let (rr, wr) = (Cell::new(false), Cell::new(false));
        let (rw, ww) = (Mutex::new(None), Mutex::new(None));
        let mut writer = std::pin::pin!(Probe {
            polls: &wp,
            ready: &wr,
            waker: &ww,
            wake_other: None,
        });
        // The reader wakes the writer every time it runs, as a hook sending would.
        let mut reader = std::pin::pin!(Probe {
            polls: &rp,
            ready: &rr,
            waker: &rw,
            wake_other: Some(&ww),
        });
        let task = Arc::new(CountingWaker(Default::default()));
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        // First round: both; the reader woke the writer, so a second round polls it.
        assert_eq!((rp.get(), wp.get()), (1, 2));

        rw.lock().unwrap().as_ref().unwrap().wake_by_ref();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (2, 3));
        // Neither poll woke the task again.
        assert_eq!(task.0.load(Ordering::SeqCst), 1);

        // The writer ends: it is not polled again.
        wr.set(true);
        rw.lock().unwrap().as_ref().unwrap().wake_by_ref();
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (3, 4));
        rw.lock().unwrap().as_ref().unwrap().wake_by_ref();
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (4, 4));
        assert!(duplex.into_writer().is_none());
    }

    #[test]
    fn a_half_that_keeps_waking_itself_makes_the_task_yield() {
        let (rp, wp) = (Cell::new(0), Cell::new(0));
        let (rr, wr) = (Cell::new(false), Cell::new(false));
        let (rw, ww) = (Mutex::new(None), Mutex::new(None));
        let mut writer = std::pin::pin!(Probe {
            polls: &wp,
            ready: &wr,
            waker: &ww,
            wake_other: None,
        });
        let mut reader = std::pin::pin!(Probe {
            polls: &rp,
            ready: &rr,
            waker: &rw,
            wake_other: Some(&rw),
        });
        let task = Arc::new(CountingWaker(Default::default()));
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        // The reader wakes itself every time it is polled: each poll of the task goes
        // round ROUNDS times, then yields through a real wake, keeping the bit.
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (ROUNDS, 1));
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        assert!(Pin::new(&mut duplex).poll(&mut cx).is_pending());
        assert_eq!((rp.get(), wp.get()), (2 * ROUNDS, 1));
        assert_eq!(task.0.load(Ordering::SeqCst), 2);
    }
}
