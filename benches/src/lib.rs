//! Shared pieces of the benchmark binaries: servers in child processes and
//! their memory.

pub mod load;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The resident set size of process `pid` (`self` for this one), in KiB.
pub fn rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Runs this very binary as `serve KIND` in a child process and reads the
/// port it prints on its first line of output.
pub fn spawn_server(kind: &str) -> (Child, u16) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", kind])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines.next().unwrap().unwrap().trim().parse().unwrap();
    (child, port)
}

/// Stops a server started by [`spawn_server`].
pub fn stop_server(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}
