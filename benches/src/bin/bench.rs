//! One comparison command: h3rs (`bench-server`) against axum (`bench-axum`)
//! and bare hyper + tokio-tungstenite (`bench-hyper`), the same contract,
//! measured in the same run.
//!
//! ```sh
//! cargo build --release -p h3rs-benches && target/release/bench
//! target/release/bench --rounds 1 --secs 2 plaintext ws-echo   # a quick look
//! ```
//!
//! Each server runs pinned to core 0 (`taskset -c 0`), this load generator
//! on core 1, one scenario at a time on a freshly started server. Rounds
//! alternate the order of the servers; the table gives medians with min-max
//! and the ratios of medians. The peers run with `WS_READ_BUF=8192`
//! (`--peer-read-buf` to change).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use h3rs_benches::load::scenarios::{self, Figures};
use h3rs_benches::rss_kib;

const SERVERS: [&str; 3] = ["h3rs", "axum", "hyper"];
const SCENARIOS: [&str; 10] = [
    "plaintext",
    "json",
    "ws-echo",
    "fanout-200",
    "fanout-max",
    "sse-10ms",
    "sse-1ms",
    "idle-ws",
    "idle-sse",
    "fanout-redis",
];

/// Scenario index -> figure index -> (figure name, samples per server).
type Results = BTreeMap<usize, BTreeMap<usize, (String, Vec<Vec<f64>>)>>;

struct Options {
    rounds: usize,
    secs: f64,
    idle: usize,
    peer_read_buf: String,
    scenarios: Vec<String>,
}

fn options() -> Options {
    let mut options = Options {
        rounds: 3,
        secs: 5.0,
        idle: 10_000,
        peer_read_buf: "8192".into(),
        scenarios: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--rounds" => options.rounds = value().parse().unwrap_or_else(|_| usage("--rounds N")),
            "--secs" => options.secs = value().parse().unwrap_or_else(|_| usage("--secs S")),
            "--idle" => options.idle = value().parse().unwrap_or_else(|_| usage("--idle N")),
            "--peer-read-buf" => options.peer_read_buf = value(),
            name if SCENARIOS.contains(&name) => options.scenarios.push(name.into()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if options.scenarios.is_empty() {
        options.scenarios = SCENARIOS.iter().map(|s| s.to_string()).collect();
    }
    options
}

fn usage(problem: &str) -> ! {
    eprintln!("bench: {problem}");
    eprintln!(
        "usage: bench [--rounds N] [--secs S] [--idle N] [--peer-read-buf BYTES] [SCENARIO...]"
    );
    eprintln!("scenarios: {}", SCENARIOS.join(" "));
    std::process::exit(2)
}

/// Raises the open-file limit for 10,000 idle connections (the limit is
/// inherited by the servers), by running this binary again under `ulimit`.
fn ensure_file_limit(needed: u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if soft >= needed || std::env::var_os("BENCH_ULIMIT_TRIED").is_some() {
        return;
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {needed} && exec \"$@\""))
        .arg("sh")
        .arg(std::env::current_exe().unwrap())
        .args(std::env::args().skip(1))
        .env("BENCH_ULIMIT_TRIED", "1")
        .status()
        .expect("sh");
    std::process::exit(status.code().unwrap_or(1));
}

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(kind: &str, peer_read_buf: &str) -> Server {
        Server::start_with(kind, peer_read_buf, &[])
    }

    fn start_with(kind: &str, peer_read_buf: &str, env: &[(&str, String)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir: PathBuf = std::env::current_exe().unwrap().parent().unwrap().into();
        let binary = dir.join(match kind {
            "h3rs" => "bench-server",
            "axum" => "bench-axum",
            _ => "bench-hyper",
        });
        let mut command = Command::new("taskset");
        command
            .args(["-c", "0"])
            .arg(&binary)
            .env("PORT", port.to_string())
            .stdout(Stdio::null());
        if kind != "h3rs" {
            command.env("WS_READ_BUF", peer_read_buf);
        }
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{kind} did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Server { child, port }
    }

    fn rss_kib(&self) -> u64 {
        rss_kib(&self.child.id().to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn measure(scenario: &str, server: &Server, options: &Options) -> Figures {
    let (port, secs) = (server.port, options.secs);
    match scenario {
        "plaintext" => scenarios::http(port, "/plaintext", 64, secs).await,
        "json" => scenarios::http(port, "/json", 64, secs).await,
        "ws-echo" => scenarios::ws_echo(port, 64, secs).await,
        "fanout-200" => scenarios::fanout(&[port], 1000, Some(200), secs).await,
        "fanout-max" => scenarios::fanout(&[port], 1000, None, secs).await,
        "sse-10ms" => scenarios::sse(port, 1000, 10, secs).await,
        "sse-1ms" => scenarios::sse(port, 1000, 1, secs).await,
        "idle-ws" | "idle-sse" => {
            let ws = scenario == "idle-ws";
            let open = |n| async move {
                if ws {
                    scenarios::idle_websockets(port, n).await
                } else {
                    scenarios::idle_streams(port, n).await
                }
            };
            let warm = open(100).await;
            let before = server.rss_kib();
            let conns = open(options.idle).await;
            // The last writes may still be settling on the server.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let after = server.rss_kib();
            drop((warm, conns));
            vec![(
                "KiB/conn",
                after.saturating_sub(before) as f64 / options.idle as f64,
            )]
        }
        _ => unreachable!(),
    }
}

fn main() {
    let options = options();
    if options.scenarios.iter().any(|s| s.starts_with("idle")) {
        ensure_file_limit(options.idle as u64 + 1024);
    }
    // The load generator on core 1, the servers on core 0.
    let _ = Command::new("taskset")
        .args(["-pc", "1", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // scenario -> figure -> server -> samples
    let mut results = Results::new();
    for scenario in &options.scenarios {
        if scenario == "fanout-redis" {
            continue;
        }
        let s = SCENARIOS.iter().position(|n| n == scenario).unwrap();
        for round in 0..options.rounds {
            let mut order: Vec<usize> = (0..SERVERS.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for &k in &order {
                let server = Server::start(SERVERS[k], &options.peer_read_buf);
                let figures = runtime.block_on(measure(scenario, &server, &options));
                drop(server);
                eprint!("{scenario} round {} {}:", round + 1, SERVERS[k]);
                for (f, (name, value)) in figures.iter().enumerate() {
                    eprint!(" {name} {value:.2}");
                    let entry = results
                        .entry(s)
                        .or_default()
                        .entry(f)
                        .or_insert_with(|| (name.to_string(), vec![Vec::new(); SERVERS.len()]));
                    entry.1[k].push(*value);
                }
                eprintln!();
            }
        }
    }
    let mut table = if results.is_empty() {
        String::new()
    } else {
        report(&results, &options)
    };
    if options.scenarios.iter().any(|s| s == "fanout-redis") {
        // Run with every scenario by default, it must not cost the rest of the table on a
        // machine without Redis.
        let redis = Command::new("redis-server").arg("--version").output();
        if redis.is_ok_and(|out| out.status.success()) {
            table.push_str(&runtime.block_on(fanout_redis(&options)));
        } else {
            let skipped = "fanout-redis skipped: no redis-server on PATH \
                           (apt-get install redis-server)\n";
            eprint!("{skipped}");
            table.push_str(&format!("\n{skipped}"));
        }
    }
    println!("{table}");
    let _ = std::fs::create_dir_all("target");
    if let Ok(mut file) = std::fs::File::create("target/bench-results.md") {
        let _ = file.write_all(table.as_bytes());
        eprintln!("(also written to target/bench-results.md)");
    }
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn fmt(value: f64) -> String {
    match value.abs() {
        v if v >= 1000.0 => format!("{:.1}k", value / 1000.0),
        v if v >= 100.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        _ => format!("{value:.2}"),
    }
}

fn report(results: &Results, options: &Options) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} round(s) of {} s, peers with WS_READ_BUF={}; median [min-max]\n\n",
        options.rounds, options.secs, options.peer_read_buf
    ));
    out.push_str("| scenario | figure | h3rs | axum | hyper | h3rs/axum | h3rs/hyper |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (s, figures) in results {
        for (name, samples) in figures.values() {
            let cells: Vec<String> = samples
                .iter()
                .map(|v| {
                    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    format!("{} [{}-{}]", fmt(median(v)), fmt(lo), fmt(hi))
                })
                .collect();
            let m: Vec<f64> = samples.iter().map(|v| median(v)).collect();
            let ratio = |a: f64, b: f64| {
                if b == 0.0 {
                    "-".to_string()
                } else {
                    format!("{:.2}", a / b)
                }
            };
            out.push_str(&format!(
                "| {} | {name} | {} | {} | {} | {} | {} |\n",
                SCENARIOS[*s],
                cells[0],
                cells[1],
                cells[2],
                ratio(m[0], m[1]),
                ratio(m[0], m[2])
            ));
        }
    }
    out
}

/// h3rs fan-out across two instances sharing a `redis-server` (from PATH, on a
/// free port, pinned beside the servers), against one instance, same run:
/// 1 publisher on instance A, 1,000 subscribers split over A and B, 200/s.
async fn fanout_redis(options: &Options) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = Command::new("taskset")
        .args([
            "-c",
            "0",
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--port", &port.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("fanout-redis needs redis-server on PATH (apt-get install redis-server)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let url = format!("redis://127.0.0.1:{port}");
    let mut one = Vec::new();
    let mut two = Vec::new();
    for _ in 0..options.rounds {
        let single = Server::start("h3rs", &options.peer_read_buf);
        one.push(scenarios::fanout(&[single.port], 1000, Some(200), options.secs).await);
        drop(single);
        let env = [("REDIS_URL", url.clone())];
        let a = Server::start_with("h3rs", &options.peer_read_buf, &env);
        let b = Server::start_with("h3rs", &options.peer_read_buf, &env);
        two.push(scenarios::fanout(&[a.port, b.port], 1000, Some(200), options.secs).await);
        eprintln!(
            "fanout-redis: one {:?}\n              two {:?}",
            one.last(),
            two.last()
        );
    }
    let _ = redis.kill();
    let _ = redis.wait();
    let mut out = String::from(
        "\nh3rs fan-out, 1 publisher, 1,000 subscribers, 200/s: one instance, and two \
         instances through Redis (publisher on A, subscribers split over A and B); median \
         [min-max]\n\n| figure | one instance | two instances + Redis | ratio |\n| --- | --- | --- | --- |\n",
    );
    for (f, (name, _)) in one[0].iter().enumerate() {
        let a: Vec<f64> = one.iter().map(|r| r[f].1).collect();
        let b: Vec<f64> = two.iter().map(|r| r[f].1).collect();
        let cell = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{} [{}-{}]", fmt(median(v)), fmt(lo), fmt(hi))
        };
        let ratio = if median(&a) == 0.0 {
            "-".to_string()
        } else {
            format!("{:.2}", median(&b) / median(&a))
        };
        out.push_str(&format!(
            "| {name} | {} | {} | {ratio} |\n",
            cell(&a),
            cell(&b)
        ));
    }
    out
}
