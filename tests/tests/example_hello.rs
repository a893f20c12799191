//! The hello example as a newcomer runs it: a real process, PORT from the
//! environment, a JSON 404, and a graceful exit 0 on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use h3rs_tests::{Reply, example_binary, free_port};

async fn get(port: u16, path: &str) -> Reply {
    let server = h3rs_tests::TestServer::at(([127, 0, 0, 1], port).into());
    server.get(path).await
}

#[tokio::test]
async fn hello_serves_on_port_and_exits_cleanly_on_sigterm() {
    let port = free_port();
    let mut child = Command::new(example_binary("hello"))
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the example");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a log line").unwrap();
    assert!(
        first.contains(&format!("Listening on http://127.0.0.1:{port}")),
        "{first}"
    );

    let reply = get(port, "/nope").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(
        reply.json()["message"],
        "Cannot find any route matching [GET] /nope"
    );
    assert_eq!(get(port, "/hello/ada").await.text(), "Hello, ada!");
    assert_eq!(get(port, "/notes/1").await.json()["text"], "Buy milk");
    assert_eq!(get(port, "/teapot").await.status, 418);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}
