//! H3's server-sent events example (examples/server-sent-events.rs) as a process: `Hello world` each second, the
//! client's departure noticed and logged, and a graceful exit 0 on SIGTERM with a stream open.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use h3rs_tests::{TestServer, example_binary, free_port};

#[tokio::test]
async fn hello_world_every_second_until_the_client_leaves() {
    let port = free_port();
    let child = Command::new(example_binary("server-sent-events"))
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the example");
    let mut child = KillOnDrop(child);
    // Log lines, read on a thread as they come, awaited without blocking the runtime (the
    // client's connection task must run while the test waits).
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines_tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    wait_for_log(&mut lines, &format!("Listening on http://127.0.0.1:{port}")).await;

    let server = TestServer::at(([127, 0, 0, 1], port).into());
    let started = Instant::now();
    let mut first = server.open_get("/").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("text/event-stream"));
    first.read_until_count("\n\n", 2).await;
    assert_eq!(first.text(), "data: Hello world\n\ndata: Hello world\n\n");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1800) && elapsed < Duration::from_secs(4),
        "two events after {elapsed:?}"
    );
    wait_for_log(&mut lines, "client connected").await;
    first.disconnect();
    wait_for_log(&mut lines, "client left; timer stopped").await;

    // SIGTERM with a stream open: the stream ends cleanly and the process exits 0.
    let mut second = server.open_get("/").await;
    second.read_until("Hello world").await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    second.read_to_end().await;
    assert!(second.ended);
    let status = child.0.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}

/// Kills the example if the test fails before it exits.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a log line containing `needle`.
async fn wait_for_log(lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>, needle: &str) {
    loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no log line containing {needle:?}"));
        if line.contains(needle) {
            return;
        }
    }
}
