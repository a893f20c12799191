//! Redis for the tests of the Redis backend (feature `redis`): the shared server at
//! `REDIS_URL`, a private `redis-server` that a test may kill and restart, and the
//! backends of two "instances" in one process.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use h3rs::pubsub::{RedisOptions, RedisPubSub};

use crate::free_port;

/// The Redis the tests share: `REDIS_URL`. Without it the tests fail, with a message that
/// says what to do (they are never skipped).
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "the `redis` feature of h3rs-tests needs a Redis server: set REDIS_URL \
             (e.g. REDIS_URL=redis://127.0.0.1:6379; .ci/run starts one with redis-server)"
        )
    })
}

/// A prefix no other test (or run) uses, so that tests sharing one Redis stay apart.
pub fn unique_prefix(test: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "test:{test}:{}-{nanos:x}-{}:",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// One instance's backend on the Redis at `url`, with `prefix`.
pub async fn backend_at(url: &str, prefix: &str) -> RedisPubSub {
    RedisPubSub::connect_with(url, RedisOptions::default().prefix(prefix))
        .await
        .unwrap_or_else(|error| {
            panic!("{error} (the `redis` tests need a reachable Redis at REDIS_URL)")
        })
}

/// One instance's backend on the shared Redis.
pub async fn backend(prefix: &str) -> RedisPubSub {
    backend_at(&redis_url(), prefix).await
}

/// A plain command connection to `url`, to look at what the backend did.
pub async fn commands(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|error| panic!("cannot reach Redis at {url}: {error}"))
}

/// How many connections are subscribed to `channel` (`PUBSUB NUMSUB`).
pub async fn numsub(connection: &mut redis::aio::MultiplexedConnection, channel: &str) -> u64 {
    let (_, count): (String, u64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(connection)
        .await
        .unwrap();
    count
}

/// A `redis-server` of a test's own (from `PATH`), on a free port, that it can kill and
/// start again on the same port. Dropping it kills it.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one and waits until it answers.
    pub fn start() -> Self {
        let mut server = RedisServer {
            port: free_port(),
            child: None,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: as a crash, without a goodbye to its clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on its port, empty, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start redis-server from PATH ({error}): install redis-server")
            });
        self.child = Some(child);
        // Readiness: nothing tells another process's port is open but trying it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `channel` has `count` subscribed connections: how a test learns that
/// another process subscribed (nothing else crosses the process boundary).
pub async fn wait_numsub(
    connection: &mut redis::aio::MultiplexedConnection,
    channel: &str,
    count: u64,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = numsub(connection, channel).await;
        if now == count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{channel} has {now} subscribers, not {count}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Builds `examples/chat-cluster.rs` with the `redis` feature it requires.
pub fn build_chat_cluster() {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "-p", "h3rs-examples", "--features", "redis"])
        .args(["--example", "chat-cluster"])
        .status()
        .expect("cargo build");
    assert!(status.success(), "building example chat-cluster");
}
