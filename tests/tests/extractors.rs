//! Handler parameters bound by the route macros: path params and extractors.

use bytes::Bytes;
use h3rs::prelude::*;
use h3rs_tests::{request, spawn, spawn_with, test_options};
use http_body_util::Full;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize)]
struct Item {
    name: String,
    qty: u32,
}

#[derive(Deserialize)]
struct Paging {
    page: u32,
    per_page: Option<u32>,
}

#[get("/users/:id")]
async fn user(id: u64) -> String {
    format!("user {id}")
}

#[get("/files/**:path")]
async fn file(path: String) -> String {
    format!("file [{path}]")
}

#[get("/pair/:a/:b")]
fn pair(b: i32, a: i32) -> String {
    format!("{}", a - b)
}

#[get("/list")]
async fn list(paging: Query<Paging>) -> String {
    format!("page {} per {}", paging.page, paging.per_page.unwrap_or(10))
}

#[post("/items")]
async fn create(Json(item): Json<Item>) -> (StatusCode, Json<Item>) {
    (StatusCode::CREATED, Json(item))
}

#[post("/form")]
async fn form(Form(item): Form<Item>) -> String {
    format!("{} x{}", item.name, item.qty)
}

#[post("/bytes")]
async fn raw(body: Bytes) -> String {
    format!("{} bytes", body.len())
}

#[post("/text")]
async fn text(body: String) -> String {
    body.to_uppercase()
}

#[get("/head")]
async fn head_parts(headers: HeaderMap, method: Method, uri: h3rs::Uri) -> String {
    format!(
        "{} {} {}",
        method,
        uri.path(),
        headers
            .get("x-test")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
    )
}

#[derive(Clone)]
struct Greeting(&'static str);

#[get("/state/:name")]
async fn state(name: String, State(greeting): State<Greeting>, event: &H3Event) -> String {
    format!(
        "{} {name} at {}",
        greeting.0,
        event.matched_route().unwrap_or("?")
    )
}

#[post("/maybe-json")]
async fn maybe_json(item: Option<Json<Item>>) -> String {
    match item {
        Some(Json(item)) => format!("{} x{}", item.name, item.qty),
        None => "no item".to_owned(),
    }
}

#[post("/maybe-bytes")]
async fn maybe_bytes(body: Option<Bytes>) -> String {
    body.map_or("no body".to_owned(), |body| format!("{} bytes", body.len()))
}

#[derive(Clone)]
struct Unset;

#[get("/maybe-parts")]
async fn maybe_parts(paging: Option<Query<Paging>>, unset: Option<State<Unset>>) -> String {
    format!(
        "{} {}",
        paging.map_or("no query".to_owned(), |paging| format!(
            "page {}",
            paging.page
        )),
        if unset.is_some() { "state" } else { "no state" },
    )
}

/// A body extractor of the app's own, after a parts extractor.
struct Words(Vec<String>);

impl h3rs::FromBody for Words {
    async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
        let text = String::from_body(event).await?;
        Ok(Words(text.split_whitespace().map(str::to_owned).collect()))
    }
}

#[post("/words")]
async fn words(method: Method, Words(words): Words) -> String {
    format!("{method} {}", words.len())
}

fn app() -> H3 {
    h3rs::app![
        maybe_json,
        maybe_bytes,
        maybe_parts,
        words,
        user,
        file,
        pair,
        list,
        create,
        form,
        raw,
        text,
        head_parts,
        state
    ]
    .state(Greeting("hello"))
}

#[tokio::test]
async fn path_params_are_parsed_by_name_and_type() {
    let server = spawn(app()).await;
    assert_eq!(server.get("/users/42").await.text(), "user 42");
    assert_eq!(
        server.get("/files/a/b/c.txt").await.text(),
        "file [a/b/c.txt]"
    );
    assert_eq!(server.get("/files").await.text(), "file []");
    assert_eq!(server.get("/pair/10/3").await.text(), "7");
    let bad = server.get("/users/abc").await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["message"],
        "Invalid path parameter `id`: expected u64, got \"abc\""
    );
    server.stop().await;
}

#[tokio::test]
async fn query_is_deserialized_and_bad_query_is_400() {
    let server = spawn(app()).await;
    assert_eq!(
        server.get("/list?page=2&per_page=5").await.text(),
        "page 2 per 5"
    );
    assert_eq!(server.get("/list?page=3").await.text(), "page 3 per 10");
    let bad = server.get("/list?page=x").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid query")
    );
    server.stop().await;
}

#[tokio::test]
async fn json_body_in_and_out_with_415_and_400() {
    let server = spawn(app()).await;
    let ok = server
        .send_body(
            "POST",
            "/items",
            "application/json",
            r#"{"name":"pen","qty":2}"#,
        )
        .await;
    assert_eq!(ok.status, 201);
    assert_eq!(ok.json(), serde_json::json!({ "name": "pen", "qty": 2 }));
    let charset = server
        .send_body(
            "POST",
            "/items",
            "application/json; charset=utf-8",
            r#"{"name":"a","qty":1}"#,
        )
        .await;
    assert_eq!(charset.status, 201);
    let wrong_type = server.send_body("POST", "/items", "text/plain", "{}").await;
    assert_eq!(wrong_type.status, 415);
    let bad = server
        .send_body("POST", "/items", "application/json", r#"{"name":"pen"}"#)
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["message"]
            .as_str()
            .unwrap()
            .contains("missing field `qty`")
    );
    let broken = server
        .send_body("POST", "/items", "application/json", "{")
        .await;
    assert_eq!(broken.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn form_bytes_and_string_bodies() {
    let server = spawn(app()).await;
    let posted = server
        .send_body(
            "POST",
            "/form",
            "application/x-www-form-urlencoded",
            "name=ink&qty=3",
        )
        .await;
    assert_eq!(posted.text(), "ink x3");
    assert_eq!(
        server
            .send_body("POST", "/form", "application/json", "{}")
            .await
            .status,
        415
    );
    assert_eq!(
        server
            .send_body("POST", "/bytes", "application/octet-stream", "12345")
            .await
            .text(),
        "5 bytes"
    );
    assert_eq!(
        server
            .send_body("POST", "/text", "text/plain", "shout")
            .await
            .text(),
        "SHOUT"
    );
    let not_utf8 = server
        .send(
            request("POST", "/text")
                .body(Full::new(Bytes::from_static(&[0xff, 0xfe])))
                .unwrap(),
        )
        .await;
    assert_eq!(not_utf8.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn headers_method_uri_state_and_event() {
    let server = spawn(app()).await;
    let reply = server
        .send(
            request("GET", "/head?x=1")
                .header("x-test", "yes")
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.text(), "GET /head yes");
    assert_eq!(
        server.get("/state/ada").await.text(),
        "hello ada at /state/:name"
    );
    server.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let server = spawn(app().body_limit(16)).await;
    // Declared too large: refused from Content-Length alone.
    let declared = server
        .send_body(
            "POST",
            "/bytes",
            "application/octet-stream",
            &"x".repeat(17),
        )
        .await;
    assert_eq!(declared.status, 413);
    // Chunked, no length: refused as soon as the limit is crossed.
    let chunks = futures_util::stream::iter((0..8).map(|_| {
        Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(Bytes::from_static(
            b"0123456789",
        )))
    }));
    let (mut sender, _conn) = h3rs_tests::http1(server.addr).await;
    let response = sender
        .send_request(
            request("POST", "/bytes")
                .body(http_body_util::StreamBody::new(chunks))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        server
            .send_body("POST", "/bytes", "application/octet-stream", "small")
            .await
            .text(),
        "5 bytes"
    );
    server.stop().await;
}

#[tokio::test]
async fn server_body_limit_overrides_the_app() {
    let server = spawn_with(app(), test_options().body_limit(4)).await;
    let reply = server
        .send_body("POST", "/bytes", "application/octet-stream", "12345")
        .await;
    assert_eq!(reply.status, 413);
    server.stop().await;
}

#[tokio::test]
async fn default_body_limit_is_one_mebibyte() {
    let server = spawn(app()).await;
    let just = "x".repeat(1024 * 1024);
    let ok = server
        .send_body("POST", "/bytes", "application/octet-stream", &just)
        .await;
    assert_eq!(ok.text(), "1048576 bytes");
    let over = server
        .send_body(
            "POST",
            "/bytes",
            "application/octet-stream",
            &format!("{just}x"),
        )
        .await;
    assert_eq!(over.status, 413);
    assert_eq!(over.json()["status"], 413);
    server.stop().await;
}

#[tokio::test]
async fn optional_body_is_none_only_when_absent() {
    let server = spawn(app().body_limit(64)).await;
    let json =
        |body: &'static str| server.send_body("POST", "/maybe-json", "application/json", body);
    assert_eq!(json(r#"{"name":"pen","qty":2}"#).await.text(), "pen x2");
    // No body at all: None.
    let empty = server
        .send(
            request("POST", "/maybe-json")
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert_eq!(empty.text(), "no item");
    // Present but malformed: the error it would be without the Option.
    let broken = json("{").await;
    assert_eq!(broken.status, 400);
    assert!(
        broken.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid JSON body")
    );
    assert_eq!(json(r#"{"name":"pen"}"#).await.status, 400);
    let wrong_type = server
        .send_body("POST", "/maybe-json", "text/plain", "pen")
        .await;
    assert_eq!(wrong_type.status, 415);
    // Over the limit: still a 413.
    let big = "x".repeat(65);
    let over = server
        .send_body("POST", "/maybe-bytes", "application/octet-stream", &big)
        .await;
    assert_eq!(over.status, 413);
    let none = server
        .send(
            request("POST", "/maybe-bytes")
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert_eq!(none.text(), "no body");
    server.stop().await;
}

#[tokio::test]
async fn optional_parts_are_none_only_when_absent() {
    let server = spawn(app()).await;
    assert_eq!(server.get("/maybe-parts").await.text(), "no query no state");
    assert_eq!(
        server.get("/maybe-parts?page=3").await.text(),
        "page 3 no state"
    );
    // A query that is there but does not parse is still a 400.
    assert_eq!(server.get("/maybe-parts?page=x").await.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn a_body_extractor_of_our_own_reads_the_body_last() {
    let server = spawn(app()).await;
    let reply = server
        .send_body("POST", "/words", "text/plain", "one two three")
        .await;
    assert_eq!(reply.text(), "POST 3");
    server.stop().await;
}
