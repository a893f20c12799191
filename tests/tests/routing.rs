//! Routing, through the server's connection code (in-process, `TestClient`): patterns, precedence, backtracking,
//! trailing slashes, HEAD, 404, 405, mount.

use h3rs::test::TestClient;
use h3rs::{H3, H3Event};

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
    let server = TestClient::new(app());
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
        let reply = server.get(path).send().await;
        assert_eq!(reply.status(), 200, "{path}");
        assert_eq!(reply.text(), expected, "{path}");
    }
}

#[tokio::test]
async fn static_beats_param_and_failed_branches_backtrack() {
    let server = TestClient::new(app());
    assert_eq!(server.get("/users/me").send().await.text(), "me ");
    assert_eq!(server.get("/a/b/c").send().await.text(), "abc ");
    // `/a/b` takes the static branch first, fails at `d`, then backtracks to `:x`.
    assert_eq!(server.get("/a/b/d").send().await.text(), "axd x=b");
}

#[tokio::test]
async fn a_trailing_slash_matches_the_same_route() {
    let server = TestClient::new(app());
    assert_eq!(server.get("/users/").send().await.text(), "users ");
    assert_eq!(server.get("/users/42/").send().await.text(), "user id=42");
    let slashed = TestClient::new(H3::new().get("/slash/", echo_route("slash")));
    assert_eq!(slashed.get("/slash").send().await.text(), "slash ");
}

#[tokio::test]
async fn unknown_path_is_a_json_404_in_h3_shape() {
    let server = TestClient::new(app());
    let reply = server.get("/nope").send().await;
    assert_eq!(reply.status(), 404);
    assert_eq!(reply.header("content-type").unwrap(), "application/json");
    assert_eq!(
        reply.json::<serde_json::Value>(),
        serde_json::json!({
            "status": 404,
            "statusText": "Not Found",
            "message": "Cannot find any route matching [GET] /nope"
        })
    );
}

#[tokio::test]
async fn known_path_with_another_method_is_405_with_allow() {
    let server = TestClient::new(app());
    let reply = server.request(h3rs::Method::PUT, "/users").send().await;
    assert_eq!(reply.status(), 405);
    assert_eq!(reply.header("allow").unwrap(), "GET, HEAD, POST");
    assert_eq!(reply.json::<serde_json::Value>()["status"], 405);
    let reply = server.request(h3rs::Method::PATCH, "/users/1").send().await;
    assert_eq!(reply.header("allow").unwrap(), "DELETE, GET, HEAD");
}

#[tokio::test]
async fn other_methods_and_all_reach_their_routes() {
    let server = TestClient::new(app());
    let post = server.request(h3rs::Method::POST, "/users").send().await;
    assert_eq!(post.text(), "create ");
    let delete = server
        .request(h3rs::Method::DELETE, "/users/9")
        .send()
        .await;
    assert_eq!(delete.text(), "delete id=9");
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let reply = server
            .request(h3rs::Method::from_bytes(method.as_bytes()).unwrap(), "/any")
            .send()
            .await;
        assert_eq!(reply.text(), "any ", "{method}");
    }
}

#[tokio::test]
async fn head_falls_back_to_get_without_a_body() {
    let server = TestClient::new(app());
    let reply = server.request(h3rs::Method::HEAD, "/users/42").send().await;
    assert_eq!(reply.status(), 200);
    assert!(reply.bytes().is_empty());
    assert_eq!(reply.header("content-length").unwrap(), "10"); // "user id=42"
    let own = TestClient::new(
        H3::new()
            .get("/x", echo_route("get"))
            .head("/x", |_: H3Event| async { ([("x-head", "own")], "") }),
    );
    let reply = own.request(h3rs::Method::HEAD, "/x").send().await;
    assert_eq!(reply.header("x-head").unwrap(), "own");
}

#[tokio::test]
async fn mount_merges_a_sub_app_under_a_prefix() {
    let api = H3::new()
        .get("/", echo_route("api-root"))
        .get("/items/:id", echo_route("item"));
    let server = TestClient::new(H3::new().get("/", echo_route("root")).mount("/api", api));
    assert_eq!(server.get("/api").send().await.text(), "api-root ");
    assert_eq!(server.get("/api/items/3").send().await.text(), "item id=3");
    assert_eq!(server.get("/").send().await.text(), "root ");
    assert_eq!(server.get("/items/3").send().await.status(), 404);
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
