//! Redis killed and restarted under a steady flow of messages: local delivery goes on, the
//! instances reconnect and resubscribe by themselves, nothing arrives twice or out of
//! order, and what is lost is the outage's messages only (at most once). Prints the
//! figures (`-- --nocapture`): messages lost, time to recover.
#![cfg(feature = "redis")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use h3rs::pubsub::{Hub, ReplayPolicy, Subscription};
use h3rs_tests::redis_server::{RedisServer, backend_at, unique_prefix};
use tokio::sync::watch;

/// A guard against hangs, not a wait.
const PATIENCE: Duration = Duration::from_secs(10);

/// How long Redis stays down: the scenario, not a wait for something.
const OUTAGE: Duration = Duration::from_millis(300);

async fn next_number(subscription: &mut Subscription) -> u64 {
    let payload = tokio::time::timeout(PATIENCE, subscription.next())
        .await
        .expect("a message in time")
        .expect("the subscription is open");
    payload.text().parse().unwrap()
}

/// The log lines of the whole process (the backend logs from its tasks' threads).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn install() -> Self {
        let log = Log::default();
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        log
    }

    fn count(&self, needle: &str) -> usize {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .matches(needle)
            .count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_loses_the_outage_only_and_recovers_by_itself() {
    let log = Log::install();
    let mut server = RedisServer::start();
    let prefix = unique_prefix("restart");
    let a = backend_at(&server.url(), &prefix).await;
    let b = backend_at(&server.url(), &prefix).await;
    let (hub_a, hub_b) = (Hub::with_backend(a.clone()), Hub::with_backend(b.clone()));
    let mut local = hub_a.subscription("flow", 1 << 20);
    hub_a.replay("logged", ReplayPolicy::last(10_000));
    let mut logged = hub_a.subscription("logged", 1 << 20);
    let mut remote = hub_b.subscription("flow", 1 << 20);
    a.synced().await;
    b.synced().await;

    // One message per millisecond from A, numbered, until told to stop.
    let (stop, mut stopped) = watch::channel(false);
    let count = Arc::new(AtomicU64::new(0));
    let counted = count.clone();
    let publisher = tokio::spawn(async move {
        let mut pace = tokio::time::interval(Duration::from_millis(1));
        let mut n = 0u64;
        while !*stopped.borrow_and_update() {
            pace.tick().await;
            hub_a.publish("flow", n.to_string());
            hub_a.publish("logged", n.to_string());
            n += 1;
            counted.store(n, Ordering::Relaxed);
        }
        n
    });

    let mut received = Vec::new();
    while received.len() < 100 {
        received.push(next_number(&mut remote).await);
    }
    server.kill();
    tokio::time::sleep(OUTAGE).await;
    server.restart();
    let restarted = Instant::now();
    // The first message published after the restart that reaches B: what came before it
    // may have been on its way before the outage.
    let first_after = count.load(Ordering::Relaxed);
    loop {
        received.push(next_number(&mut remote).await);
        if *received.last().unwrap() >= first_after {
            break;
        }
    }
    let recovered_in = restarted.elapsed();
    let before = received.len();
    while received.len() < before + 200 {
        received.push(next_number(&mut remote).await);
    }
    stop.send_replace(true);
    let published = publisher.await.unwrap();

    // What was published before the stop and reaches B arrives; read up to the last.
    let last = published - 1;
    while *received.last().unwrap() < last {
        received.push(next_number(&mut remote).await);
    }
    assert!(
        received.windows(2).all(|pair| pair[0] < pair[1]),
        "a duplicate or a reordering on B"
    );
    let lost = published - received.len() as u64;

    // Local delivery never stopped: A's own subscriber has every message, in order.
    for n in 0..published {
        assert_eq!(next_number(&mut local).await, n, "local delivery on A");
    }
    // A replayable topic needs Redis for its ids: during the outage, A's subscriber still
    // gets its messages at once, without ids; never one twice or out of order.
    let mut logged_got = Vec::new();
    while let Ok(Some(payload)) = tokio::time::timeout(PATIENCE, logged.next()).await {
        let n: u64 = payload.text().parse().unwrap();
        logged_got.push((n, payload.id().is_some()));
        if n == last {
            break;
        }
    }
    assert!(logged_got.windows(2).all(|pair| pair[0].0 < pair[1].0));
    assert!(
        logged_got.iter().any(|(_, id)| !id),
        "delivered without Redis"
    );
    assert!(logged_got.last().unwrap().1, "ids again once Redis is back");
    let logged_lost = published - logged_got.len() as u64;
    // A counts what it could not send (of both topics); what it sent while B was
    // resubscribing is lost without anyone knowing: at most once.
    assert!(
        lost + logged_lost >= a.lost(),
        "{lost} + {logged_lost} lost, {} counted by A",
        a.lost()
    );
    assert!(a.is_connected() && b.is_connected());
    assert_eq!((a.outages(), b.outages()), (1, 1));
    // One warning per instance for the outage, not one per message, and one line back.
    assert_eq!(log.count("lost the connection to Redis"), 2);
    assert_eq!(log.count("reconnected to Redis"), 2);
    assert!(
        lost > 0,
        "a {OUTAGE:?} outage at 1 message/ms loses messages"
    );

    assert!(
        recovered_in < Duration::from_secs(5),
        "recovered in {recovered_in:?}"
    );
    println!(
        "redis restart: outage {OUTAGE:?}, {published} published at 1/ms, {lost} lost \
         (about {lost} ms of messages), delivery between instances back {:.0} ms after \
         Redis restarted ({} counted lost by A, over both topics); a replayable topic lost \
         {logged_lost} locally (those in flight when Redis went)",
        recovered_in.as_secs_f64() * 1000.0,
        a.lost()
    );
}
