//! One function per measured scenario, each against a server already
//! listening on `port`, returning named figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use super::wire::{Conn, client_frame, find, get};

/// A scenario's figures, by name ("req/s", "p99 ms", ...).
pub type Figures = Vec<(&'static str, f64)>;

async fn join_all<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.expect("load task panicked"));
    }
    out
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Keep-alive GETs of `path` on `connections` connections for `secs`.
pub async fn http(port: u16, path: &str, connections: usize, secs: f64) -> Figures {
    let request = get(path).into_bytes();
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let tasks = (0..connections)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut conn = Conn::connect(port).await.expect("connect");
                let mut count = 0u64;
                while Instant::now() < deadline {
                    let status = conn.request(&request).await.expect("request");
                    assert_eq!(status, 200, "GET answered {status}");
                    count += 1;
                }
                count
            })
        })
        .collect();
    let total: u64 = join_all(tasks).await.iter().sum();
    vec![("req/s", total as f64 / secs)]
}

/// WebSocket echo round trips (a 32-byte text message) on `connections`
/// sockets for `secs`, with the round-trip latency.
pub async fn ws_echo(port: u16, connections: usize, secs: f64) -> Figures {
    let mut frame = Vec::new();
    client_frame(&mut frame, 1, b"0123456789abcdef0123456789abcdef");
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(Conn::websocket(port, "/ws").await.expect("websocket"));
    }
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let tasks = conns
        .into_iter()
        .map(|mut conn| {
            let frame = frame.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(1 << 16);
                while Instant::now() < deadline {
                    let start = Instant::now();
                    conn.stream.write_all(&frame).await.expect("send");
                    let echoed = conn.frame().await.expect("echo");
                    assert_eq!(echoed.opcode, 1, "echo changed the message kind");
                    assert_eq!(echoed.end - echoed.start, 32, "echo changed the message");
                    conn.consume(&echoed);
                    latencies.push(start.elapsed().as_micros() as u32);
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<u32> = join_all(tasks).await.into_iter().flatten().collect();
    let count = all.len();
    all.sort_unstable();
    vec![
        ("msgs/s", count as f64 / secs),
        ("p50 ms", percentile(&all, 0.50)),
        ("p99 ms", percentile(&all, 0.99)),
    ]
}

struct Received {
    count: u64,
    missing: u64,
    duplicates: u64,
    latencies_us: Vec<u32>,
    last: Instant,
}

/// One publisher and `subscribers` subscribers on `/pubsub`. With `rate`,
/// the publisher sends that many messages per second for `secs`; without,
/// as fast as the server takes them. Every subscriber should get every
/// message once, in order.
///
/// With several `ports` (instances sharing a pub/sub backend), the
/// subscribers are spread over them and the publisher is on the first.
pub async fn fanout(ports: &[u16], subscribers: usize, rate: Option<u32>, secs: f64) -> Figures {
    let base = Instant::now();
    let mut subs = Vec::new();
    for i in 0..subscribers {
        let port = ports[i % ports.len()];
        subs.push(Conn::websocket(port, "/pubsub").await.expect("subscriber"));
    }
    let mut publisher = Conn::websocket(ports[0], "/pubsub")
        .await
        .expect("publisher");

    // Until every subscriber has seen a warm-up message, the server may not
    // have subscribed them all yet.
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let total = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = subs
        .into_iter()
        .map(|mut conn| {
            let ready = ready_tx.clone();
            let mut done = done_rx.clone();
            let total = total.clone();
            tokio::spawn(async move {
                let mut got = Received {
                    count: 0,
                    missing: 0,
                    duplicates: 0,
                    latencies_us: Vec::new(),
                    last: Instant::now(),
                };
                let mut warm = false;
                let mut next: u64 = 0;
                loop {
                    let frame = tokio::select! {
                        frame = conn.frame() => frame,
                        _ = done.wait_for(|d| *d) => break,
                    };
                    let Ok(frame) = frame else { break };
                    let text = &conn.buf[frame.start..frame.end];
                    if text == b"w" {
                        if !warm {
                            warm = true;
                            let _ = ready.send(());
                        }
                    } else if let Some(space) = text.iter().position(|&b| b == b' ') {
                        let seq: u64 = parse(&text[..space]);
                        let sent: u64 = parse(&text[space + 1..]);
                        let now = base.elapsed().as_micros() as u64;
                        got.latencies_us.push(now.saturating_sub(sent) as u32);
                        got.count += 1;
                        total.fetch_add(1, Ordering::Relaxed);
                        got.last = Instant::now();
                        if seq >= next {
                            got.missing += seq - next;
                            next = seq + 1;
                        } else {
                            got.duplicates += 1;
                        }
                    }
                    conn.consume(&frame);
                }
                (got, next)
            })
        })
        .collect();
    drop(ready_tx);
    let mut ready = 0;
    let mut warmup = Vec::new();
    client_frame(&mut warmup, 1, b"w");
    while ready < subscribers {
        publisher.stream.write_all(&warmup).await.expect("publish");
        let wait = tokio::time::sleep(Duration::from_millis(20));
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => break,
                r = ready_rx.recv() => match r {
                    Some(()) => ready += 1,
                    None => break,
                },
            }
            if ready == subscribers {
                break;
            }
        }
    }

    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut sent: u64 = 0;
    let mut out = Vec::with_capacity(64 * 1024);
    match rate {
        Some(rate) => {
            let mut timer = tokio::time::interval(Duration::from_secs(1) / rate);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            while Instant::now() < deadline {
                timer.tick().await;
                out.clear();
                let text = format!("{sent} {}", base.elapsed().as_micros());
                client_frame(&mut out, 1, text.as_bytes());
                publisher.stream.write_all(&out).await.expect("publish");
                sent += 1;
            }
        }
        None => {
            while Instant::now() < deadline {
                out.clear();
                for _ in 0..16 {
                    let text = format!("{sent} {}", base.elapsed().as_micros());
                    client_frame(&mut out, 1, text.as_bytes());
                    sent += 1;
                }
                publisher.stream.write_all(&out).await.expect("publish");
            }
        }
    }
    // Let what is in flight arrive: stop once nothing came for 500 ms.
    let publish_end = Instant::now();
    let mut seen = total.load(Ordering::Relaxed);
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_millis(500)
        && publish_end.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = total.load(Ordering::Relaxed);
        if now != seen {
            seen = now;
            quiet_since = Instant::now();
        }
    }
    let _ = done_tx.send(true);
    let results = join_all(tasks).await;
    let mut delivered = 0;
    let mut missing = 0;
    let mut duplicates = 0;
    let mut latencies = Vec::new();
    let mut last = start;
    for (got, next) in results {
        delivered += got.count;
        missing += got.missing + sent.saturating_sub(next);
        duplicates += got.duplicates;
        latencies.extend(got.latencies_us);
        last = last.max(got.last);
    }
    latencies.sort_unstable();
    let elapsed = (last - start).as_secs_f64().max(secs);
    vec![
        ("delivered/s", delivered as f64 / elapsed),
        ("missing", missing as f64),
        ("duplicates", duplicates as f64),
        ("p50 ms", percentile(&latencies, 0.50)),
        ("p99 ms", percentile(&latencies, 0.99)),
    ]
}

fn parse(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0, |n, &d| n * 10 + u64::from(d.wrapping_sub(b'0')))
}

/// `streams` SSE streams of `/sse?ms=N` read for `secs`: events per second,
/// and gaps (a `tick K` that is not the previous K + 1).
pub async fn sse(port: u16, streams: usize, ms: u64, secs: f64) -> Figures {
    let path = format!("/sse?ms={ms}");
    let tasks: Vec<_> = (0..streams)
        .map(|_| {
            let path = path.clone();
            tokio::spawn(async move {
                let mut conn = Conn::connect(port).await.expect("connect");
                assert_eq!(conn.stream(&path).await.expect("sse"), 200);
                conn
            })
        })
        .collect();
    let conns = join_all(tasks).await;
    // Events are counted from one second after every stream is open, when
    // what queued up while the others connected has been read.
    let start = Instant::now() + Duration::from_secs(1);
    let deadline = start + Duration::from_secs_f64(secs);
    let tasks = conns
        .into_iter()
        .map(|mut conn| {
            tokio::spawn(async move {
                let mut events = 0u64;
                let mut gaps = 0u64;
                let mut next: Option<u64> = None;
                loop {
                    let counting = Instant::now() >= start;
                    while let Some(at) = find(&conn.buf, b"data: tick ") {
                        let rest = &conn.buf[at + 11..];
                        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                            break;
                        };
                        let k = parse(&rest[..nl]);
                        if next.is_some_and(|n| n != k) {
                            gaps += 1;
                        }
                        next = Some(k + 1);
                        events += u64::from(counting);
                        bytes::Buf::advance(&mut conn.buf, at + 11 + nl);
                    }
                    tokio::select! {
                        r = conn.more() => if r.is_err() { break },
                        _ = tokio::time::sleep_until(deadline.into()) => break,
                    }
                }
                (events, gaps)
            })
        })
        .collect();
    let results = join_all(tasks).await;
    let events: u64 = results.iter().map(|r| r.0).sum();
    let gaps: u64 = results.iter().map(|r| r.1).sum();
    vec![("events/s", events as f64 / secs), ("gaps", gaps as f64)]
}

/// Opens `count` idle WebSockets (one echo each) and returns them.
pub async fn idle_websockets(port: u16, count: usize) -> Vec<Conn> {
    let mut frame = Vec::new();
    client_frame(&mut frame, 1, b"hi");
    let mut all = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let tasks = chunk
            .iter()
            .map(|_| {
                let frame = frame.clone();
                tokio::spawn(async move {
                    let mut conn = Conn::websocket(port, "/ws").await.expect("websocket");
                    conn.stream.write_all(&frame).await.expect("send");
                    let echoed = conn.frame().await.expect("echo");
                    conn.consume(&echoed);
                    conn
                })
            })
            .collect();
        all.extend(join_all(tasks).await);
    }
    all
}

/// Opens `count` idle SSE streams (each has received its first event).
pub async fn idle_streams(port: u16, count: usize) -> Vec<Conn> {
    let mut all = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let tasks = chunk
            .iter()
            .map(|_| {
                tokio::spawn(async move {
                    let mut conn = Conn::connect(port).await.expect("connect");
                    assert_eq!(conn.stream("/sse?ms=3600000").await.expect("sse"), 200);
                    while find(&conn.buf, b"data: tick 0").is_none() {
                        conn.more().await.expect("first event");
                    }
                    conn
                })
            })
            .collect();
        all.extend(join_all(tasks).await);
    }
    all
}
