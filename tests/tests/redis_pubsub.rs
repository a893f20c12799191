//! The Redis backend between two instances (two hubs in this process, each with its own
//! connections, sharing one Redis): delivery, sender exclusion, kinds, subscription
//! counting, order over 10,000 messages, and a clear error without Redis.
#![cfg(feature = "redis")]

use std::time::Duration;

use futures_util::StreamExt;
use h3rs::pubsub::{Hub, Payload, RedisPubSub, ReplayPolicy, Subscription};
use h3rs_tests::redis_server::{backend, commands, numsub, redis_url, unique_prefix};

/// A guard against hangs, not a wait.
const PATIENCE: Duration = Duration::from_secs(10);

async fn next(subscription: &mut Subscription) -> Payload {
    tokio::time::timeout(PATIENCE, subscription.next())
        .await
        .expect("a message in time")
        .expect("the subscription is open")
}

/// Two instances on one prefix.
async fn two(test: &str) -> (String, RedisPubSub, RedisPubSub) {
    let prefix = unique_prefix(test);
    let a = backend(&prefix).await;
    let b = backend(&prefix).await;
    (prefix, a, b)
}

#[tokio::test]
async fn a_publish_reaches_the_subscribers_of_both_instances_once() {
    let (_, a, b) = two("both").await;
    assert_ne!(a.instance_id(), b.instance_id());
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    let mut here = hub_a.subscription("news", 16);
    let mut there = hub_b.subscription("news", 16);
    a.synced().await;
    b.synced().await;

    // Local delivery happened before `publish` returned: no Redis round trip.
    assert_eq!(hub_a.publish("news", "one"), 1);
    assert_eq!(next(&mut here).await.text(), "one");
    assert_eq!(next(&mut there).await.text(), "one");

    // From the other side too; then a marker proves nothing else was on the way.
    assert_eq!(hub_b.publish("news", "two"), 1);
    hub_b.publish("news", "marker");
    assert_eq!(next(&mut here).await.text(), "two");
    assert_eq!(next(&mut here).await.text(), "marker");
    assert_eq!(next(&mut there).await.text(), "two");
    assert_eq!(next(&mut there).await.text(), "marker");
    hub_a.publish("news", "end");
    assert_eq!(next(&mut there).await.text(), "end");
    // `here` got "one" once: its own copy back from Redis was ignored.
    assert_eq!(next(&mut here).await.text(), "end");
}

#[tokio::test]
async fn the_sender_is_skipped_on_its_instance_only_even_under_the_same_local_id() {
    let (_, a, b) = two("sender").await;
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    let sender = hub_a.subscriber_id();
    let (got_a, mut sender_feed) = recorder();
    let (got_b, mut twin_feed) = recorder();
    let _sender = hub_a.subscribe_as(sender, "chat", got_a, None).unwrap();
    // On B, a subscriber under the very same local id: ids are unique per process only,
    // so exclusion must be by (instance, id).
    let _twin = hub_b.subscribe_as(sender, "chat", got_b, None).unwrap();
    let mut other_a = hub_a.subscription("chat", 8);
    let mut other_b = hub_b.subscription("chat", 8);
    a.synced().await;
    b.synced().await;

    assert_eq!(hub_a.publish_from(sender, "chat", "from the sender"), 1);
    hub_a.publish("chat", "to all");
    assert_eq!(next(&mut other_a).await.text(), "from the sender");
    assert_eq!(next(&mut other_b).await.text(), "from the sender");
    assert_eq!(twin_feed.recv().await.unwrap(), "from the sender");
    assert_eq!(next(&mut other_b).await.text(), "to all");
    assert_eq!(twin_feed.recv().await.unwrap(), "to all");
    // The sender got only what it did not send.
    assert_eq!(sender_feed.recv().await.unwrap(), "to all");
}

/// A subscriber under a chosen id, feeding a channel.
fn recorder() -> (
    std::sync::Arc<dyn h3rs::pubsub::Subscriber>,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use h3rs::pubsub::{Delivery, Subscriber};
    struct Feed(tokio::sync::mpsc::UnboundedSender<String>);
    impl Subscriber for Feed {
        fn deliver(&self, payload: &Payload) -> Delivery {
            let _ = self.0.send(payload.text().into_owned());
            Delivery::Accepted
        }
    }
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    (std::sync::Arc::new(Feed(sender)), receiver)
}

#[tokio::test]
async fn text_binary_and_event_names_keep_their_kind_across_instances() {
    let (_, a, b) = two("kinds").await;
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    let mut there = hub_b.subscription("mixed", 8);
    b.synced().await;
    hub_a.publish("mixed", "text ✓");
    hub_a.publish("mixed", vec![0xff, 0x00, 0x80]);
    hub_a.publish("mixed", Payload::from("named").with_event("price"));
    let text = next(&mut there).await;
    assert_eq!((text.as_str(), text.is_text()), (Some("text ✓"), true));
    let binary = next(&mut there).await;
    assert!(binary.is_binary());
    assert_eq!(binary.bytes(), [0xff, 0x00, 0x80]);
    let named = next(&mut there).await;
    assert_eq!(
        (named.text(), named.event()),
        ("named".into(), Some("price"))
    );
    drop(hub_a);
}

#[tokio::test]
async fn each_instance_holds_one_redis_subscription_per_topic_in_use() {
    let (prefix, a, b) = two("counting").await;
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    let mut redis = commands(&redis_url()).await;
    let channel = format!("{prefix}room");

    let on_a: Vec<Subscription> = (0..3).map(|_| hub_a.subscription("room", 4)).collect();
    a.synced().await;
    assert_eq!(hub_a.subscriber_count("room"), 3);
    assert_eq!(
        numsub(&mut redis, &channel).await,
        1,
        "three subscribers, one SUBSCRIBE"
    );

    let on_b = hub_b.subscription("room", 4);
    b.synced().await;
    assert_eq!(numsub(&mut redis, &channel).await, 2);

    let mut on_a = on_a;
    on_a.truncate(1);
    a.synced().await;
    assert_eq!(
        numsub(&mut redis, &channel).await,
        2,
        "A still has one subscriber"
    );
    drop(on_a);
    a.synced().await;
    assert_eq!(
        numsub(&mut redis, &channel).await,
        1,
        "A's last one left: A unsubscribed"
    );
    drop(on_b);
    b.synced().await;
    assert_eq!(numsub(&mut redis, &channel).await, 0);
    assert_eq!(hub_a.topic_count() + hub_b.topic_count(), 0);
}

#[tokio::test]
async fn ten_thousand_messages_arrive_once_and_in_order_on_the_other_instance() {
    const N: usize = 10_000;
    let (_, a, b) = two("order").await;
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    hub_a.replay("logged", ReplayPolicy::last(N));
    hub_b.replay("logged", ReplayPolicy::last(N));
    let mut plain_b = hub_b.subscription("plain", N + 1);
    let mut logged_b = hub_b.subscription("logged", N + 1);
    let mut logged_a = hub_a.subscription("logged", N + 1);
    a.synced().await;
    b.synced().await;
    for n in 0..N {
        hub_a.publish("plain", n.to_string());
        hub_a.publish("logged", n.to_string());
    }
    for n in 0..N {
        assert_eq!(next(&mut plain_b).await.text(), n.to_string());
    }
    // A replayable topic: the same ids, in the Stream's order, on both instances.
    let mut last = None;
    for n in 0..N {
        let (there, here) = (next(&mut logged_b).await, next(&mut logged_a).await);
        assert_eq!(
            (there.text(), here.text()),
            (n.to_string().into(), n.to_string().into())
        );
        assert_eq!(there.id(), here.id());
        let id = stream_id(there.id().unwrap());
        assert!(last < Some(id), "ids grow: {last:?} then {id:?}");
        last = Some(id);
    }
    assert_eq!(a.lost() + b.lost(), 0);
    // Nothing more was on the way (no duplicate at the end).
    hub_a.publish("plain", "end");
    assert_eq!(next(&mut plain_b).await.text(), "end");
    assert!(hub_b.replay_len("logged") >= N);
}

#[tokio::test]
async fn on_a_replayable_topic_the_sender_is_skipped_and_ids_agree_everywhere() {
    let (_, a, b) = two("replay-sender").await;
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    hub_a.replay("log", ReplayPolicy::last(100));
    hub_b.replay("log", ReplayPolicy::last(100));
    let sender = hub_a.subscriber_id();
    let (feed, mut sender_got) = recorder();
    let _sender = hub_a.subscribe_as(sender, "log", feed, None).unwrap();
    let mut here = hub_a.subscription("log", 8);
    let mut there = hub_b.subscription("log", 8);
    a.synced().await;
    b.synced().await;
    // Delivered after Redis numbered it: the count is who will get it here.
    assert_eq!(hub_a.publish_from(sender, "log", "mine"), 1);
    hub_b.publish("log", "theirs");
    let (mine_here, mine_there) = (next(&mut here).await, next(&mut there).await);
    assert_eq!(
        (mine_here.text(), mine_there.text()),
        ("mine".into(), "mine".into())
    );
    assert_eq!(mine_here.id(), mine_there.id());
    assert!(mine_here.id().is_some());
    assert_eq!(next(&mut here).await.text(), "theirs");
    assert_eq!(next(&mut there).await.text(), "theirs");
    assert_eq!(sender_got.recv().await.unwrap(), "theirs", "not its own");
    assert_eq!(hub_a.replay_len("log"), 2);
}

fn stream_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').expect("a Stream id");
    (ms.parse().unwrap(), seq.parse().unwrap())
}

#[tokio::test]
async fn redis_out_of_reach_at_connect_is_a_clear_error() {
    let port = h3rs_tests::free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let error = RedisPubSub::connect(&url).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot connect to Redis at {url}: ")),
        "{message}"
    );
    assert!(std::error::Error::source(&error).is_some());

    let error = RedisPubSub::connect("http://:hunter2@example.com")
        .await
        .unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
}
