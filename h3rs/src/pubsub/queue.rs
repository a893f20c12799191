//! The one bounded queue of h3rs, and what it does when it is full.
//!
//! Every subscriber kind holds its backlog in it: a WebSocket peer's outgoing frames, an
//! `EventStream`'s events, a `Subscription`'s payloads, and a topic's replay log. The policy
//! on overflow is the subscriber's choice ([`Overflow`]); the queue never grows past its
//! capacity and never makes a publisher wait; a producer that would rather wait than
//! overflow it may (`Queue::wait_below`, behind `Peer::wait_for_drain`).

// The layers above use what they need of it: with `ws` or `sse` off, some goes unused.
#![cfg_attr(not(all(feature = "ws", feature = "sse")), allow(dead_code))]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::sync::Notify;

/// What a full queue does with one more item: the slow-consumer policy.
///
/// ```
/// use h3rs::pubsub::Overflow;
/// use h3rs::ws::WsOptions;
/// // Prices go stale fast: a slow client should skip, not be disconnected.
/// let prices = WsOptions::default().queue_capacity(64).slow_consumer(Overflow::DropOldest);
/// # let _ = prices;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Close the subscriber: a WebSocket peer is closed with 1008 (what was queued is
    /// dropped), an event stream ends after sending what it holds, a subscription ends.
    /// The default of peers and event streams: a log that must arrive whole is better
    /// resumed after a reconnect than silently cut.
    Close,
    /// Drop the oldest queued item to make room: for feeds where only fresh data matters.
    DropOldest,
    /// Drop the new item and keep what is queued (counted: see
    /// [`Subscription::dropped`](crate::pubsub::Subscription::dropped)).
    DropNewest,
}

/// Something a queue holds, weighed in bytes for `buffered_amount`.
pub(crate) trait Weigh {
    fn weight(&self) -> usize;
}

/// What `push` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued (under `DropOldest`, maybe at the cost of the oldest item).
    Queued,
    /// Full under `DropNewest`: the item was dropped.
    Dropped,
    /// Full under `Close`: the item was dropped and the queue stopped accepting.
    Overflowed,
    /// The queue was closed already.
    Closed,
}

/// A bounded deque with an overflow policy, without synchronisation: the replay log keeps
/// one under its own lock, and [`Queue`] wraps one for a producer and a consumer.
pub(crate) struct Bounded<T> {
    items: VecDeque<T>,
    capacity: usize,
    overflow: Overflow,
    bytes: usize,
    /// Set when an item met a full queue; cleared by `take_all` (the `drain` hook).
    was_full: bool,
    dropped: u64,
}

impl<T: Weigh> Bounded<T> {
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Self {
        Bounded {
            // Allocated on the first push: idle subscribers stay small.
            items: VecDeque::new(),
            capacity,
            overflow,
            bytes: 0,
            was_full: false,
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, item: T) -> Pushed {
        if self.items.len() >= self.capacity {
            self.was_full = true;
            match self.overflow {
                Overflow::DropOldest if self.capacity > 0 => {
                    if let Some(old) = self.items.pop_front() {
                        self.bytes -= old.weight();
                    }
                    self.dropped += 1;
                }
                Overflow::DropOldest | Overflow::DropNewest => {
                    self.dropped += 1;
                    return Pushed::Dropped;
                }
                Overflow::Close => {
                    self.dropped += 1;
                    return Pushed::Overflowed;
                }
            }
        }
        self.force_push(item);
        Pushed::Queued
    }

    /// Queues `item` whatever the capacity: the close frame after the last message.
    pub(crate) fn force_push(&mut self, item: T) {
        self.bytes += item.weight();
        self.items.push_back(item);
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        let item = self.items.pop_front()?;
        self.bytes -= item.weight();
        Some(item)
    }

    /// Moves everything into `into` (by swapping deques when `into` is empty, as a
    /// consumer's drained batch is: no item moves); returns whether the queue had been full
    /// since the last call.
    pub(crate) fn take_all(&mut self, into: &mut VecDeque<T>) -> bool {
        if into.is_empty() {
            std::mem::swap(&mut self.items, into);
        } else {
            into.extend(self.items.drain(..));
        }
        self.bytes = 0;
        if self.items.capacity() > 1024 {
            // A large burst is over: give its memory back rather than keep it while idle.
            self.items = VecDeque::new();
        }
        std::mem::take(&mut self.was_full)
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.bytes = 0;
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// A [`Bounded`] shared by producers (publishes, `send`, `push`) and one consumer task (a
/// peer's writer, a response body, a `Subscription`), which it wakes.
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    consumer: AtomicWaker,
    /// Producers pacing themselves (`wait_below`), woken when the consumer takes a batch
    /// or the queue stops accepting.
    drain: DrainWaiters,
}

/// Producers waiting for the queue to go below a threshold.
struct DrainWaiters {
    /// How many `wait_below` futures are polled and not finished. The consumer loads it
    /// once per batch: a queue nobody waits on never touches `notify`, and pushes never
    /// look at either.
    waiting: AtomicUsize,
    notify: Notify,
}

/// Counts one waiter for as long as it lives, so that a cancelled wait stops counting.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

struct State<T> {
    items: Bounded<T>,
    /// Whether pushes are accepted.
    open: bool,
    /// Whether `close` ran: the last item, if any, is queued.
    sealed: bool,
}

impl<T: Weigh> Queue<T> {
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Self {
        Queue {
            state: Mutex::new(State {
                items: Bounded::new(capacity, overflow),
                open: true,
                sealed: false,
            }),
            consumer: AtomicWaker::new(),
            drain: DrainWaiters {
                waiting: AtomicUsize::new(0),
                notify: Notify::new(),
            },
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic elsewhere must not make the queue unusable for the others.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `item` under the policy, and wakes the consumer.
    pub(crate) fn push(&self, item: T) -> Pushed {
        let pushed = {
            let mut state = self.lock();
            if !state.open {
                return Pushed::Closed;
            }
            let pushed = state.items.push(item);
            if pushed == Pushed::Overflowed {
                state.open = false;
            }
            pushed
        };
        if pushed != Pushed::Dropped {
            self.consumer.wake();
        }
        if pushed == Pushed::Overflowed {
            // Waiters learn that the queue stopped accepting.
            self.wake_drain_waiters();
        }
        pushed
    }

    /// Stops accepting pushes, first dropping what is queued if `discard`, then queueing
    /// `last`: both under the lock of the pushes, so that nothing can follow `last`.
    /// Returns false if the queue was closed already (an overflow does not count: its
    /// subscriber still closes it, with its own last item).
    pub(crate) fn close(&self, last: Option<T>, discard: bool) -> bool {
        {
            let mut state = self.lock();
            if state.sealed {
                return false;
            }
            state.sealed = true;
            state.open = false;
            if discard {
                state.items.clear();
            }
            if let Some(last) = last {
                state.items.force_push(last);
            }
        }
        self.consumer.wake();
        self.wake_drain_waiters();
        true
    }

    /// The next item; `None` once the queue is closed and empty.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.lock();
        match state.items.pop() {
            Some(item) => Poll::Ready(Some(item)),
            None if !state.open => Poll::Ready(None),
            None => {
                // Registered under the lock: a push waits for it, and wakes after.
                self.consumer.register(cx.waker());
                Poll::Pending
            }
        }
    }

    /// Everything queued, once there is something; the flag says whether the queue had
    /// been full since the last batch. A closed, empty queue stays pending: the consumer
    /// learns of the end from its last item or from elsewhere.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>, into: &mut VecDeque<T>) -> Poll<bool> {
        let was_full = {
            let mut state = self.lock();
            if state.items.is_empty() {
                // Only an empty queue waits. Registered under the lock: a push waits for
                // it, and wakes after. A consumer that got items polls again before it
                // waits, so it needs no wake meanwhile, and pushes then wake nobody.
                self.consumer.register(cx.waker());
                return Poll::Pending;
            }
            state.items.take_all(into)
        };
        // The queue is empty now, below any threshold.
        self.wake_drain_waiters();
        Poll::Ready(was_full)
    }

    /// Resolves with true once the queue holds fewer than `messages` items weighing fewer
    /// than `bytes` in all (at once if it does already), with false once it accepts no
    /// more pushes (closed, or overflowed under [`Overflow::Close`]). Every waiter is
    /// woken; dropping the future cancels the wait and leaves nothing behind.
    ///
    /// Only the consumer taking a batch (`poll_take`) and the end of the queue wake
    /// waiters: a consumer that takes one item at a time (`poll_pop`) has none.
    pub(crate) async fn wait_below(&self, messages: usize, bytes: usize) -> bool {
        let _waiting = Waiting::new(&self.drain.waiting);
        loop {
            // Made before looking: a `notify_waiters` from here on wakes it, even though
            // it is not polled yet, so a batch taken between the look and the await is
            // not missed.
            let notified = self.drain.notify.notified();
            {
                let state = self.lock();
                if !state.open {
                    return false;
                }
                if state.items.len() < messages && state.items.bytes() < bytes {
                    return true;
                }
            }
            notified.await;
        }
    }

    fn wake_drain_waiters(&self) {
        // A waiter counts itself before it looks at the queue under the lock, and the
        // caller changed the queue under that lock before this load: if the load misses
        // a waiter, that waiter's look sees the change.
        if self.drain.waiting.load(Ordering::Relaxed) > 0 {
            self.drain.notify.notify_waiters();
        }
    }

    /// The weight of what is queued, in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.lock().items.bytes()
    }

    /// How many items the policy dropped.
    pub(crate) fn dropped(&self) -> u64 {
        self.lock().items.dropped()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use futures_util::FutureExt;

    use super::*;

    impl Weigh for u32 {
        fn weight(&self) -> usize {
            *self as usize
        }
    }

    fn filled(overflow: Overflow) -> (Bounded<u32>, Vec<Pushed>) {
        let mut queue = Bounded::new(2, overflow);
        let pushed = (1..=3).map(|n| queue.push(n)).collect();
        (queue, pushed)
    }

    #[test]
    fn drop_oldest_keeps_the_newest() {
        let (queue, pushed) = filled(Overflow::DropOldest);
        assert_eq!(pushed, [Pushed::Queued; 3]);
        assert_eq!(queue.iter().copied().collect::<Vec<_>>(), [2, 3]);
        assert_eq!((queue.bytes(), queue.dropped()), (5, 1));
    }

    #[test]
    fn drop_newest_keeps_the_oldest() {
        let (queue, pushed) = filled(Overflow::DropNewest);
        assert_eq!(pushed[2], Pushed::Dropped);
        assert_eq!(queue.iter().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!((queue.bytes(), queue.dropped()), (3, 1));
    }

    #[test]
    fn close_stops_the_queue_but_keeps_what_it_holds() {
        let (queue, pushed) = filled(Overflow::Close);
        assert_eq!(pushed[2], Pushed::Overflowed);
        assert_eq!(queue.iter().copied().collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn a_shared_queue_ends_after_an_overflow_and_refuses_more() {
        let queue = Queue::new(1, Overflow::Close);
        assert_eq!(queue.push(1u32), Pushed::Queued);
        assert_eq!(queue.push(2), Pushed::Overflowed);
        assert_eq!(queue.push(3), Pushed::Closed);
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn the_last_item_of_a_close_follows_everything_and_nothing_follows_it() {
        let queue = Queue::new(1, Overflow::Close);
        queue.push(1u32);
        assert_eq!(queue.push(2), Pushed::Overflowed);
        // The overflowed subscriber closes with its last item, beyond the capacity.
        assert!(queue.close(Some(9), false));
        assert!(!queue.close(Some(8), false));
        assert_eq!(queue.push(3), Pushed::Closed);
        let waker = futures_util::task::noop_waker();
        let mut batch = VecDeque::new();
        let full = queue.poll_take(&mut Context::from_waker(&waker), &mut batch);
        assert_eq!(full, Poll::Ready(true));
        assert_eq!(batch, [1, 9]);
        assert_eq!(queue.bytes(), 0);
    }

    #[test]
    fn a_batch_swaps_deques_and_keeps_the_order_of_what_it_is_added_to() {
        let mut queue = Bounded::new(8, Overflow::Close);
        let mut batch = VecDeque::with_capacity(4);
        let spare = batch.capacity();
        queue.push(1u32);
        queue.take_all(&mut batch);
        assert_eq!(batch, [1]);
        // The consumer's empty deque, with its room, is the queue's now: no allocation.
        assert!(queue.items.capacity() >= spare);
        queue.push(2);
        queue.take_all(&mut batch);
        assert_eq!(batch, [1, 2]);
        // A deque grown by a burst is not kept once it comes back empty.
        let mut burst = Bounded::new(4096, Overflow::Close);
        (0..2000).for_each(|n| _ = burst.push(n));
        let mut batch = VecDeque::new();
        burst.take_all(&mut batch);
        batch.clear();
        burst.push(1);
        burst.take_all(&mut batch);
        assert_eq!(burst.items.capacity(), 0);
        assert_eq!((batch.len(), burst.bytes()), (1, 0));
    }

    /// A waker that counts its wakes.
    struct Count(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_consumer_is_woken_by_a_push_only_once_it_found_the_queue_empty() {
        let queue = Queue::new(8, Overflow::Close);
        let count = std::sync::Arc::new(Count(Default::default()));
        let waker = std::task::Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let wakes = || count.0.load(Ordering::Relaxed);
        let mut batch = VecDeque::new();
        assert_eq!(queue.poll_take(&mut cx, &mut batch), Poll::Pending);
        queue.push(1u32);
        assert_eq!(wakes(), 1);
        // Woken: it takes what is there, and pushes meanwhile need not wake it again.
        assert_eq!(queue.poll_take(&mut cx, &mut batch), Poll::Ready(false));
        queue.push(2);
        assert_eq!(wakes(), 1);
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(Some(2)));
        assert_eq!(queue.poll_pop(&mut cx), Poll::Pending);
        queue.push(3);
        assert_eq!(wakes(), 2);
        assert!(queue.close(None, false));
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(Some(3)));
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(None));
        assert_eq!(batch, [1]);
    }

    fn take(queue: &Queue<u32>) -> Vec<u32> {
        let waker = futures_util::task::noop_waker();
        let mut batch = VecDeque::new();
        let taken = queue.poll_take(&mut Context::from_waker(&waker), &mut batch);
        assert!(taken.is_ready());
        batch.into()
    }

    #[tokio::test]
    async fn a_wait_below_resolves_at_once_when_the_queue_is_small() {
        let queue = Queue::new(8, Overflow::Close);
        assert_eq!(queue.wait_below(1, usize::MAX).now_or_never(), Some(true));
        queue.push(10u32);
        assert_eq!(queue.wait_below(2, 11).now_or_never(), Some(true));
        // Both limits count: one item is too many for 1, ten bytes too many for 10.
        assert_eq!(queue.wait_below(1, usize::MAX).now_or_never(), None);
        assert_eq!(queue.wait_below(2, 10).now_or_never(), None);
        assert_eq!(queue.drain.waiting.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn every_waiter_wakes_when_the_consumer_takes_a_batch() {
        let queue = std::sync::Arc::new(Queue::new(8, Overflow::Close));
        for n in 0..4 {
            queue.push(n);
        }
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                tokio::spawn(async move { queue.wait_below(2, usize::MAX).await })
            })
            .collect();
        // Every waiter is parked, counted, and has looked at the full queue.
        while queue.drain.waiting.load(Ordering::Relaxed) < 3 {
            tokio::task::yield_now().await;
        }
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(waiters.iter().all(|waiter| !waiter.is_finished()));
        assert_eq!(take(&queue), [0, 1, 2, 3]);
        for waiter in waiters {
            assert!(waiter.await.unwrap());
        }
        assert_eq!(queue.drain.waiting.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn a_wait_resolves_false_when_the_queue_closes_or_overflows() {
        let queue = std::sync::Arc::new(Queue::new(2, Overflow::Close));
        queue.push(1u32);
        queue.push(2);
        let waiter = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.wait_below(1, usize::MAX).await })
        };
        while queue.drain.waiting.load(Ordering::Relaxed) < 1 {
            tokio::task::yield_now().await;
        }
        // The overflow stops the queue, though it still holds both items.
        assert_eq!(queue.push(3), Pushed::Overflowed);
        assert!(!waiter.await.unwrap());
        assert_eq!(queue.wait_below(1, usize::MAX).now_or_never(), Some(false));

        let queue = std::sync::Arc::new(Queue::new(2, Overflow::Close));
        queue.push(1u32);
        let waiter = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.wait_below(1, usize::MAX).await })
        };
        while queue.drain.waiting.load(Ordering::Relaxed) < 1 {
            tokio::task::yield_now().await;
        }
        assert!(queue.close(Some(9), false));
        assert!(!waiter.await.unwrap());
    }

    #[test]
    fn a_cancelled_wait_leaves_no_waiter_behind() {
        let queue = Queue::new(2, Overflow::Close);
        queue.push(1u32);
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut wait = Box::pin(queue.wait_below(1, usize::MAX));
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        assert_eq!(queue.drain.waiting.load(Ordering::Relaxed), 1);
        drop(wait);
        assert_eq!(queue.drain.waiting.load(Ordering::Relaxed), 0);
        // With nobody counted, taking a batch does not touch the waiters.
        assert_eq!(take(&queue), [1]);
    }
}
