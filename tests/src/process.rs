//! An example served by a process of its own, as a newcomer runs it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use crate::{example_binary, free_port};

/// A guard against hangs, not a wait: every expected log line comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

/// An example binary serving on a free loopback port, its log read line by line. Dropping
/// it kills the process: a failing test must not leave a server holding its output open.
pub struct ExampleProcess {
    child: Child,
    port: u16,
    log: Receiver<String>,
}

impl ExampleProcess {
    /// Starts example `name` (`RUST_LOG=info`) and waits for its "Listening on" line.
    pub fn start(name: &str) -> Self {
        Self::start_with_nofile(name, None)
    }

    /// Starts example `name` with at most `nofile` file descriptors (`None`: the hard limit).
    pub fn start_with_nofile(name: &str, nofile: Option<u64>) -> Self {
        Self::start_with(name, nofile, &[])
    }

    /// Starts example `name` with more environment variables (`TLS_CERT`...).
    pub fn start_with_env(name: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with(name, None, env)
    }

    fn start_with(name: &str, nofile: Option<u64>, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let binary = example_binary(name);
        let limit = nofile.map_or("ulimit -n \"$(ulimit -Hn)\"".to_owned(), |n| {
            format!("ulimit -n {n}")
        });
        let mut child = Command::new("sh")
            .args([
                "-c",
                &format!("{limit} && exec \"$0\""),
                binary.to_str().unwrap(),
            ])
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the example");
        let (lines, log) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // An example may warn before it listens (a throwaway TLS certificate, say).
        let listening = std::iter::from_fn(|| log.recv_timeout(PATIENCE).ok())
            .find(|line| line.contains("Listening on "))
            .expect("a \"Listening on\" log line");
        let scheme = if env.iter().any(|(name, _)| *name == "TLS_CERT") {
            "https"
        } else {
            "http"
        };
        assert!(
            listening.contains(&format!("Listening on {scheme}://127.0.0.1:{port}")),
            "{listening}"
        );
        ExampleProcess { child, port, log }
    }

    /// Where it serves.
    pub fn addr(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// Log lines until one contains `needle`, that one included; panics if none comes.
    pub fn log_until(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .log
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("no log line with {needle:?} in {seen:#?}"));
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    /// Sends SIGTERM, asserts a clean exit, and returns the log lines not read yet.
    pub fn stop(mut self) -> Vec<String> {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit status {status}");
        self.log.try_iter().collect()
    }
}

impl Drop for ExampleProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
