//! A future polled only when it asked to be.
//!
//! A connection's task waits on hyper's connection, the shutdown signal and
//! the idle timer at once. Every request wakes that task, and a plain
//! `select!` then polls all three: the watch channel and the timer cost a
//! few hundred instructions per request (callgrind), for futures that had
//! nothing new to say. An SSE response body polls its shutdown signal with
//! every event, where it cost about 230 instructions an event. [`OnWake`]
//! polls its future only after that future's own waker fired.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

pub(crate) struct OnWake<F: ?Sized> {
    future: Pin<Box<F>>,
    signal: Arc<Signal>,
    waker: Waker,
    /// What `signal` wakes, kept here to see without the lock whether it is still this
    /// task: a poll then costs a comparison, not a registration.
    task: Option<Waker>,
}

struct Signal {
    woken: AtomicBool,
    /// Not taken by a wake (unlike an `AtomicWaker`), so it stays valid for every later
    /// wake and is replaced only when another task polls.
    task: Mutex<Option<Waker>>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        // Woken outside the lock: a waker may run anything.
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(task) = task {
            task.wake();
        }
    }
}

impl<F: Future> OnWake<F> {
    pub(crate) fn new(future: F) -> Self {
        OnWake::boxed(Box::pin(future))
    }
}

impl<F: Future + ?Sized> OnWake<F> {
    /// A gate around a future that is boxed already, such as a `dyn Future`.
    pub(crate) fn boxed(future: Pin<Box<F>>) -> Self {
        let signal = Arc::new(Signal {
            // The first poll must happen, to register the future's interest.
            woken: AtomicBool::new(true),
            task: Mutex::new(None),
        });
        OnWake {
            future,
            waker: Waker::from(signal.clone()),
            signal,
            task: None,
        }
    }
}

impl<F: Future + ?Sized> Future for OnWake<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        // Stored before looking at the flag, so that a wake in between reaches this task.
        if !this.task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
            let task = cx.waker().clone();
            *this
                .signal
                .task
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(task.clone());
            this.task = Some(task);
        }
        if !this.signal.woken.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        this.future
            .as_mut()
            .poll(&mut Context::from_waker(&this.waker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Counting<'a> {
        polls: &'a AtomicUsize,
        ready: Arc<AtomicBool>,
        waker: Arc<std::sync::Mutex<Option<Waker>>>,
    }

    impl Future for Counting<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if self.ready.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    type Slot = Arc<std::sync::Mutex<Option<Waker>>>;

    /// A gated `Counting`, with the switch that makes it ready and the slot of its waker.
    fn counting(polls: &AtomicUsize) -> (OnWake<Counting<'_>>, Arc<AtomicBool>, Slot) {
        let ready = Arc::new(AtomicBool::new(false));
        let inner_waker = Slot::default();
        let gated = OnWake::new(Counting {
            polls,
            ready: ready.clone(),
            waker: inner_waker.clone(),
        });
        (gated, ready, inner_waker)
    }

    #[test]
    fn polls_the_future_only_after_its_own_wake() {
        let polls = AtomicUsize::new(0);
        let (gated, ready, inner_waker) = counting(&polls);
        let mut gated = std::pin::pin!(gated);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(gated.as_mut().poll(&mut cx).is_pending());
        // Woken for something else: the inner future is not polled again.
        for _ in 0..5 {
            assert!(gated.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        // Its own waker fires: it is polled, and completes.
        ready.store(true, Ordering::SeqCst);
        inner_waker.lock().unwrap().take().unwrap().wake();
        assert!(gated.as_mut().poll(&mut cx).is_ready());
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn every_wake_reaches_the_task_that_polled_last() {
        let polls = AtomicUsize::new(0);
        let (gated, ready, inner_waker) = counting(&polls);
        let mut gated = std::pin::pin!(gated);
        let (a, b) = (
            Arc::new(Count(AtomicUsize::new(0))),
            Arc::new(Count(AtomicUsize::new(0))),
        );
        let (waker_a, waker_b) = (Waker::from(a.clone()), Waker::from(b.clone()));
        let wake_inner = || inner_waker.lock().unwrap().take().unwrap().wake();
        // The same task, woken again and again: no wake is lost once one was delivered.
        for round in 1..=3 {
            assert!(
                gated
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker_a))
                    .is_pending()
            );
            wake_inner();
            assert_eq!(a.0.load(Ordering::SeqCst), round);
        }
        // Another task polls: the next wake is its.
        assert!(
            gated
                .as_mut()
                .poll(&mut Context::from_waker(&waker_b))
                .is_pending()
        );
        wake_inner();
        assert_eq!(
            (a.0.load(Ordering::SeqCst), b.0.load(Ordering::SeqCst)),
            (3, 1)
        );
        ready.store(true, Ordering::SeqCst);
        assert!(
            gated
                .as_mut()
                .poll(&mut Context::from_waker(&waker_b))
                .is_ready()
        );
        assert_eq!(polls.load(Ordering::SeqCst), 5);
    }
}
