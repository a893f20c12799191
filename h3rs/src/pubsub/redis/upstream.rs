//! The upstream task: this instance's one Redis subscriber connection. It keeps one
//! channel subscription per topic in use here, delivers what other instances publish,
//! and reconnects with backoff when the connection is lost.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{PubSub, PubSubSink};
use tokio::sync::watch;

use crate::pubsub::redis::{Shared, closed};

/// The first wait between two attempts; it doubles up to the options' maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);

/// How often an idle subscriber connection checks that Redis still answers: a peer that
/// vanished without closing the connection (a network partition) is noticed this late.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long one connection attempt may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a connection ended.
enum Ended {
    /// The backend is gone.
    Closed,
    /// Lost: reconnect.
    Lost(Reason),
}

struct Reason(String);

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn reason(error: impl fmt::Display) -> Reason {
    Reason(error.to_string())
}

/// Runs until the backend closes, starting with `first`.
pub(crate) async fn run(
    shared: Arc<Shared>,
    client: redis::Client,
    first: PubSub,
    max_backoff: Duration,
) {
    let mut closing = shared.closing.subscribe();
    let mut connection = Some(first);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let pubsub = match connection.take() {
            Some(pubsub) => pubsub,
            None => {
                let attempt = reconnect(&shared, &client);
                let outcome = tokio::select! {
                    _ = closed(&mut closing) => return,
                    outcome = attempt => outcome,
                };
                match outcome {
                    Ok(pubsub) => pubsub,
                    Err(error) => {
                        shared.health.down(&error);
                        tokio::select! {
                            _ = closed(&mut closing) => return,
                            _ = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(max_backoff);
                        continue;
                    }
                }
            }
        };
        backoff = FIRST_BACKOFF;
        match serve(&shared, pubsub, &mut closing).await {
            Ended::Closed => return,
            Ended::Lost(error) => {
                shared.synced.send_replace(None);
                shared.health.down(&error);
            }
        }
    }
}

/// A new subscriber connection, after checking that the command connection works too
/// (which makes the connection manager reconnect now rather than on the next publish).
async fn reconnect(shared: &Shared, client: &redis::Client) -> Result<PubSub, Reason> {
    let pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
        .await
        .map_err(|_| reason("timed out connecting"))?
        .map_err(reason)?;
    let mut commands = shared.commands.clone();
    let ping = redis::cmd("PING");
    // The connection manager answers the first command after an outage with the error
    // that ended its last attempt, and reconnects then: a second try meets the new one.
    let mut tries = 0;
    loop {
        let pinged = tokio::time::timeout(CONNECT_TIMEOUT, ping.query_async::<()>(&mut commands))
            .await
            .map_err(|_| reason("timed out pinging"))
            .and_then(|pinged| pinged.map_err(reason));
        match pinged {
            Ok(()) => return Ok(pubsub),
            Err(error) if tries >= 2 => return Err(error),
            Err(_) => tries += 1,
        }
    }
}

/// Subscribes to the topics in use and delivers what comes, until the connection is lost
/// or the backend closes.
async fn serve(shared: &Shared, pubsub: PubSub, closing: &mut watch::Receiver<bool>) -> Ended {
    let (mut sink, mut stream) = pubsub.split();
    let mut subscribed = HashSet::new();
    let mut wanted = shared.wanted_changes.subscribe();
    wanted.mark_unchanged();
    if let Err(error) = reconcile(shared, &mut sink, &mut subscribed).await {
        return Ended::Lost(error);
    }
    let mut health = shared.health.watch();
    shared.health.up(subscribed.len());
    health.mark_unchanged();
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        tokio::select! {
            _ = closed(closing) => return Ended::Closed,
            message = stream.next() => match message {
                Some(message) => shared.receive(&message),
                None => return Ended::Lost(reason("the subscriber connection closed")),
            },
            changed = wanted.changed() => {
                if changed.is_err() {
                    return Ended::Closed;
                }
                if let Err(error) = reconcile(shared, &mut sink, &mut subscribed).await {
                    return Ended::Lost(error);
                }
            }
            _ = heartbeat.tick() => {
                let pong = tokio::time::timeout(CONNECT_TIMEOUT, sink.ping::<redis::Value>()).await;
                if !matches!(pong, Ok(Ok(_))) {
                    return Ended::Lost(reason("Redis stopped answering"));
                }
            }
            _ = health.changed() => {
                if !shared.health.is_up() {
                    // The command connection failed: start again from a clean slate.
                    return Ended::Lost(reason("the command connection failed"));
                }
            }
        }
    }
}

/// Subscribes to the topics in use that are not subscribed yet and unsubscribes from
/// those no longer in use, then tells the waiters how far it got.
async fn reconcile(
    shared: &Shared,
    sink: &mut PubSubSink,
    subscribed: &mut HashSet<Box<str>>,
) -> Result<(), Reason> {
    let (target, generation) = shared.wanted_topics();
    let add: Vec<String> = target
        .iter()
        .filter(|topic| !subscribed.contains(*topic))
        .map(|topic| shared.names.channel(topic))
        .collect();
    let remove: Vec<String> = subscribed
        .iter()
        .filter(|topic| !target.contains(*topic))
        .map(|topic| shared.names.channel(topic))
        .collect();
    let acknowledged = async {
        if !add.is_empty() {
            sink.subscribe(&add).await?;
        }
        if !remove.is_empty() {
            sink.unsubscribe(&remove).await?;
        }
        Ok::<_, redis::RedisError>(())
    };
    tokio::time::timeout(CONNECT_TIMEOUT, acknowledged)
        .await
        .map_err(|_| reason("timed out subscribing"))?
        .map_err(reason)?;
    *subscribed = target;
    shared.synced.send_replace(Some(generation));
    Ok(())
}
