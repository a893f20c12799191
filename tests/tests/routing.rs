//! Routing through a real server: patterns, precedence, backtracking,
//! trailing slashes, HEAD, 404, 405, mount.

use h3rs::{H3, H3Event};
use h3rs_tests::{request, spawn};
use http_body_util::Full;

fn echo_route(name: &'static str) -> impl Fn(H3Event) -> std::future::Ready<String> + Clone {
    move |event: H3Event| {
        let params: Vec<String> = event
            .params()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        std::future::ready(format!("{name} {}", params.join(",")))
    }
}

fn app() -> H3 {
    H3::new()
        .get("/", echo_route("root"))
        .get("/users", echo_route("users"))
        .get("/users/me", echo_route("me"))
        .get("/users/:id", echo_route("user"))
        .get("/users/:id/posts/:post", echo_route("post"))
        .get("/files/*/raw", echo_route("raw"))
        .get("/static/**", echo_route("static"))
        .get("/docs/**:rest", echo_route("docs"))
        .get("/a/b/c", echo_route("abc"))
        .get("/a/:x/d", echo_route("axd"))
        .post("/users", echo_route("create"))
        .delete("/users/:id", echo_route("delete"))
        .all("/any", echo_route("any"))
}

#[tokio::test]
async fn static_param_and_wildcard_routes_match_with_their_params() {
    let server = spawn(app()).await;
    for (path, expected) in [
        ("/", "root "),
        ("/users", "users "),
        ("/users/me", "me "),
        ("/users/42", "user id=42"),
        ("/users/42/posts/7", "post id=42,post=7"),
        ("/files/report/raw", "raw _0=report"),
        ("/static/css/site.css", "static _=css/site.css"),
        ("/static", "static _="),
        ("/docs/guide/intro", "docs rest=guide/intro"),
        ("/docs", "docs rest="),
        ("/users/ada%20lovelace", "user id=ada lovelace"),
    ] {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.text(), expected, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn static_beats_param_and_failed_branches_backtrack() {
    let server = spawn(app()).await;
    assert_eq!(server.get("/users/me").await.text(), "me ");
    assert_eq!(server.get("/a/b/c").await.text(), "abc ");
    // `/a/b` takes the static branch first, fails at `d`, then backtracks to `:x`.
    assert_eq!(server.get("/a/b/d").await.text(), "axd x=b");
    server.stop().await;
}

#[tokio::test]
async fn a_trailing_slash_matches_the_same_route() {
    let server = spawn(app()).await;
    assert_eq!(server.get("/users/").await.text(), "users ");
    assert_eq!(server.get("/users/42/").await.text(), "user id=42");
    let slashed = spawn(H3::new().get("/slash/", echo_route("slash"))).await;
    assert_eq!(slashed.get("/slash").await.text(), "slash ");
    server.stop().await;
    slashed.stop().await;
}

#[tokio::test]
async fn unknown_path_is_a_json_404_in_h3_shape() {
    let server = spawn(app()).await;
    let reply = server.get("/nope").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "status": 404,
            "statusText": "Not Found",
            "message": "Cannot find any route matching [GET] /nope"
        })
    );
    server.stop().await;
}

#[tokio::test]
async fn known_path_with_another_method_is_405_with_allow() {
    let server = spawn(app()).await;
    let reply = server
        .send(request("PUT", "/users").body(Full::default()).unwrap())
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), "GET, HEAD, POST");
    assert_eq!(reply.json()["status"], 405);
    let reply = server
        .send(request("PATCH", "/users/1").body(Full::default()).unwrap())
        .await;
    assert_eq!(reply.header("allow"), "DELETE, GET, HEAD");
    server.stop().await;
}

#[tokio::test]
async fn other_methods_and_all_reach_their_routes() {
    let server = spawn(app()).await;
    let post = server
        .send(request("POST", "/users").body(Full::default()).unwrap())
        .await;
    assert_eq!(post.text(), "create ");
    let delete = server
        .send(request("DELETE", "/users/9").body(Full::default()).unwrap())
        .await;
    assert_eq!(delete.text(), "delete id=9");
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let reply = server
            .send(request(method, "/any").body(Full::default()).unwrap())
            .await;
        assert_eq!(reply.text(), "any ", "{method}");
    }
    server.stop().await;
}

#[tokio::test]
async fn head_falls_back_to_get_without_a_body() {
    let server = spawn(app()).await;
    let reply = server
        .send(request("HEAD", "/users/42").body(Full::default()).unwrap())
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("content-length"), "10"); // "user id=42"
    let own = spawn(
        H3::new()
            .get("/x", echo_route("get"))
            .head("/x", |_: H3Event| async { ([("x-head", "own")], "") }),
    )
    .await;
    let reply = own
        .send(request("HEAD", "/x").body(Full::default()).unwrap())
        .await;
    assert_eq!(reply.header("x-head"), "own");
    server.stop().await;
    own.stop().await;
}

#[tokio::test]
async fn mount_merges_a_sub_app_under_a_prefix() {
    let api = H3::new()
        .get("/", echo_route("api-root"))
        .get("/items/:id", echo_route("item"));
    let server = spawn(H3::new().get("/", echo_route("root")).mount("/api", api)).await;
    assert_eq!(server.get("/api").await.text(), "api-root ");
    assert_eq!(server.get("/api/items/3").await.text(), "item id=3");
    assert_eq!(server.get("/").await.text(), "root ");
    assert_eq!(server.get("/items/3").await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn handle_runs_the_pipeline_without_a_socket() {
    let app = app();
    let request = http::Request::builder()
        .uri("/users/5")
        .body(h3rs::Body::empty())
        .unwrap();
    let response = app.handle(request).await;
    assert_eq!(response.status(), 200);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], b"user id=5");
}
