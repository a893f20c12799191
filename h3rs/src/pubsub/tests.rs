//! The hub over its memory backend: counts, guards, sender exclusion, replay and eviction,
//! and two hubs becoming one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};

use super::*;

/// Records what it gets; refuses binary payloads, as an event stream does.
#[derive(Default)]
struct Recorder(Mutex<Vec<Payload>>);

impl Subscriber for Recorder {
    fn deliver(&self, payload: &Payload) -> Delivery {
        if payload.is_binary() {
            return Delivery::Skipped;
        }
        self.0.lock().unwrap().push(payload.clone());
        Delivery::Accepted
    }
}

impl Recorder {
    fn texts(&self) -> Vec<String> {
        let got = self.0.lock().unwrap();
        got.iter().map(|p| p.text().into_owned()).collect()
    }

    fn last_id(&self) -> String {
        let got = self.0.lock().unwrap();
        got.last().unwrap().id().unwrap().to_owned()
    }
}

#[test]
fn publish_counts_the_subscribers_that_took_it_and_skips_the_sender() {
    let hub = Hub::new();
    let a = Arc::new(Recorder::default());
    let sender = hub.subscriber_id();
    let _a = hub.subscribe("chat", a.clone());
    let _s = hub.subscribe_as(sender, "chat", Arc::new(Recorder::default()), None);
    let _sub = hub.subscription("chat", 4);
    assert_eq!(hub.publish("chat", "to all"), 3);
    assert_eq!(hub.publish_from(sender, "chat", "from the sender"), 2);
    // A subscriber that skips a payload was not reached.
    assert_eq!(hub.publish("chat", vec![1u8, 2]), 1);
    assert_eq!(a.texts(), ["to all", "from the sender"]);
}

#[test]
fn a_replay_log_is_not_a_subscriber() {
    let hub = Hub::new();
    hub.replay("feed", ReplayPolicy::last(10));
    assert_eq!(hub.publish("feed", "nobody listens"), 0);
    assert_eq!(hub.replay_len("feed"), 1);
    assert_eq!(hub.subscriber_count("feed"), 0);
    assert_eq!(hub.topic_count(), 0);
}

#[test]
fn dropping_the_guard_unsubscribes_and_forgets_an_empty_topic() {
    let hub = Hub::new();
    let a = Arc::new(Recorder::default());
    let guard = hub.subscribe("news", a.clone());
    assert_eq!(guard.topic(), "news");
    assert_eq!((hub.subscriber_count("news"), hub.topic_count()), (1, 1));
    drop(guard);
    assert_eq!(hub.publish("news", "after"), 0);
    assert_eq!((hub.subscriber_count("news"), hub.topic_count()), (0, 0));
    assert!(a.texts().is_empty());
}

#[test]
fn one_id_follows_a_topic_once() {
    let hub = Hub::new();
    let id = hub.subscriber_id();
    let a = Arc::new(Recorder::default());
    let first = hub.subscribe_as(id, "t", a.clone(), None);
    assert!(first.is_some());
    assert!(hub.subscribe_as(id, "t", a.clone(), None).is_none());
    assert_eq!(hub.publish("t", "once"), 1);
    assert_eq!(a.texts(), ["once"]);
}

#[test]
fn subscriptions_apply_their_overflow_policy() {
    let hub = Hub::new();
    let mut newest = hub.subscription("t", 2);
    let mut oldest = hub.subscription_with("t", 2, Overflow::DropOldest);
    let mut closing = hub.subscription_with("t", 2, Overflow::Close);
    for n in 1..=3 {
        hub.publish("t", n.to_string());
    }
    let read = |s: &mut Subscription| {
        std::iter::from_fn(|| s.next().now_or_never().flatten())
            .map(|p| p.text().into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(newest.dropped(), 1);
    assert_eq!(read(&mut newest), ["1", "2"]);
    assert_eq!(read(&mut oldest), ["2", "3"]);
    // Closed by the overflow: what it held, then the end of the stream.
    assert_eq!(read(&mut closing), ["1", "2"]);
    assert_eq!(closing.next().now_or_never(), Some(None));
    // Newer payloads reach the open ones only.
    assert_eq!(hub.publish("t", "4"), 2);
}

#[test]
fn a_resumed_subscriber_gets_what_it_missed_then_the_live_payloads_once() {
    let hub = Hub::new();
    hub.replay("feed", ReplayPolicy::last(100));
    let client = Arc::new(Recorder::default());
    let first = hub.subscribe("feed", client.clone());
    hub.publish("feed", "m1");
    hub.publish("feed", "m2");
    let last = client.last_id();
    drop(first);
    hub.publish("feed", "m3");
    let id = hub.subscriber_id();
    let _back = hub.subscribe_as(id, "feed", client.clone(), Some(&last));
    hub.publish("feed", "m4");
    assert_eq!(client.texts(), ["m1", "m2", "m3", "m4"]);
    let ids: Vec<String> = client
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique, ids);
}

#[test]
fn replay_policies_follow_patterns_and_the_most_specific_wins() {
    let hub = Hub::new();
    hub.replay("room:*", ReplayPolicy::last(2));
    hub.replay("room:big", ReplayPolicy::last(5));
    for n in 0..10 {
        hub.publish("room:a", n.to_string());
        hub.publish("room:big", n.to_string());
        hub.publish("other", n.to_string());
    }
    assert_eq!(hub.replay_len("room:a"), 2);
    assert_eq!(hub.replay_len("room:big"), 5);
    assert_eq!(hub.replay_len("other"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_topic_log_is_evicted_after_being_idle() {
    let hub = Hub::new();
    let idle = Duration::from_secs(60);
    hub.replay("room:*", ReplayPolicy::last(10).evict_after(idle));
    hub.publish("room:a", "hello");
    let listener = hub.subscription("room:b", 4);
    hub.publish("room:b", "hello");
    assert_eq!((hub.replay_len("room:a"), hub.replay_len("room:b")), (1, 1));

    tokio::time::sleep(idle - Duration::from_secs(1)).await;
    hub.publish("room:a", "still in use");
    assert_eq!(hub.replay_len("room:a"), 2);

    // Idle for the whole time since its last publish: gone. A room with a subscriber stays.
    tokio::time::sleep(idle + Duration::from_secs(10)).await;
    assert_eq!(hub.replay_len("room:a"), 0);
    assert_eq!(hub.replay_len("room:b"), 1);

    // Its last subscriber leaving starts its idle time.
    drop(listener);
    tokio::time::sleep(idle / 2).await;
    assert_eq!(hub.replay_len("room:b"), 1);
    tokio::time::sleep(idle).await;
    assert_eq!(hub.replay_len("room:b"), 0);

    // A publish makes the room again, with an empty log.
    hub.publish("room:a", "back");
    assert_eq!(hub.replay_len("room:a"), 1);
}

#[test]
fn an_absorbed_hub_and_its_clones_act_as_the_absorbing_one() {
    let parent = Hub::new();
    let child = Hub::new();
    let clone = child.clone();
    // Made on the child before the hand-over: a subscription and a replay policy.
    let mut early = child.subscription("news", 8);
    child.replay("feed", ReplayPolicy::last(10));

    parent.absorb(&child);
    assert!(parent.same(&clone));
    assert_eq!(parent.subscriber_count("news"), 1);
    assert_eq!(parent.publish("news", "from the parent"), 1);
    assert_eq!(clone.publish("news", "from a clone of the child"), 1);
    let got: Vec<String> = std::iter::from_fn(|| early.next().now_or_never().flatten())
        .map(|p| p.text().into_owned())
        .collect();
    assert_eq!(got, ["from the parent", "from a clone of the child"]);

    clone.publish("feed", "kept");
    assert_eq!(parent.replay_len("feed"), 1);

    // The child's guard unsubscribes from the parent.
    drop(early);
    assert_eq!(parent.subscriber_count("news"), 0);
    assert_eq!(parent.topic_count(), 0);
}

#[test]
fn absorbing_chains_and_cycles_end_in_one_hub() {
    let a = Hub::new();
    let b = Hub::new();
    let c = Hub::new();
    let _sub = c.subscription("t", 4);
    b.absorb(&c);
    a.absorb(&b);
    // Absorbing back what already is this hub changes nothing.
    c.absorb(&a);
    b.absorb(&a);
    assert!(a.same(&c) && b.same(&c));
    assert_eq!(c.publish("t", "x"), 1);
    assert_eq!(a.subscriber_count("t"), 1);
}

/// Takes `room` payloads, then overflows, as a bounded queue under `Overflow::Close` does.
struct Small {
    room: usize,
    got: Mutex<Vec<String>>,
    overflowed: Mutex<usize>,
    /// Publishes here when told of the overflow, as a close hook may.
    announce: Option<(Hub, &'static str)>,
}

impl Subscriber for Small {
    fn deliver(&self, payload: &Payload) -> Delivery {
        let mut got = self.got.lock().unwrap();
        if got.len() == self.room {
            return Delivery::Overflowed;
        }
        got.push(payload.text().into_owned());
        Delivery::Accepted
    }

    fn overflowed(&self) {
        let first = {
            let mut count = self.overflowed.lock().unwrap();
            *count += 1;
            *count == 1
        };
        if let (true, Some((hub, topic))) = (first, &self.announce) {
            hub.publish(topic, "a subscriber left");
        }
    }
}

#[test]
fn a_catch_up_larger_than_the_subscriber_overflows_it_and_does_not_subscribe_it() {
    let hub = Hub::new();
    hub.replay("feed", ReplayPolicy::last(3));
    for n in 1..=5 {
        hub.publish("feed", format!("m{n}"));
    }
    let small = Arc::new(Small {
        room: 2,
        got: Mutex::default(),
        overflowed: Mutex::default(),
        announce: Some((hub.clone(), "feed")),
    });
    let id = hub.subscriber_id();
    let guard = hub.subscribe_as(id, "feed", small.clone(), Some("not an id of this run"));
    // The log kept the last three (drop oldest); the subscriber took two of them.
    assert_eq!(*small.got.lock().unwrap(), ["m3", "m4"]);
    assert_eq!(*small.overflowed.lock().unwrap(), 1);
    assert_eq!(hub.subscriber_count("feed"), 0);
    assert_eq!(hub.publish("feed", "m6"), 0);
    drop(guard);
    // Its `overflowed` published outside the log's lock (inside, it would have deadlocked).
    let everything = Arc::new(Recorder::default());
    let _all = hub.subscribe_as(hub.subscriber_id(), "feed", everything.clone(), Some("?"));
    assert_eq!(everything.texts(), ["m5", "a subscriber left", "m6"]);
}

#[test]
fn a_subscriber_is_told_of_its_overflow_outside_the_hubs_locks() {
    let hub = Hub::new();
    hub.replay("logged", ReplayPolicy::last(8));
    for topic in ["plain", "logged"] {
        // Publishing to the same topic from `overflowed` would deadlock under its lock.
        let small = Arc::new(Small {
            room: 1,
            got: Mutex::default(),
            overflowed: Mutex::default(),
            announce: Some((hub.clone(), topic)),
        });
        let _guard = hub.subscribe(topic, small.clone());
        assert_eq!(hub.publish(topic, "fits"), 1);
        assert_eq!(hub.publish(topic, "overflows"), 0);
        // Told twice: of the publish, then of its own announcement, which it had no room for.
        assert_eq!(*small.overflowed.lock().unwrap(), 2, "{topic}");
    }
}
