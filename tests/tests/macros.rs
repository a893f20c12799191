//! Groups and app builders made by macros: routes!, #[group] mod, app!, #[all], sync handlers.

use h3rs::prelude::*;
use h3rs::test::TestClient;

#[get("/ping")]
async fn ping() -> &'static str {
    "pong"
}

#[post("/ping")]
fn ping_post() -> &'static str {
    "posted pong"
}

#[all("/anything")]
async fn anything(method: Method) -> String {
    method.to_string()
}

#[put("/put")]
async fn put_route() -> &'static str {
    "put"
}

#[patch("/patch")]
async fn patch_route() -> &'static str {
    "patch"
}

#[delete("/delete")]
async fn delete_route() -> &'static str {
    "delete"
}

#[head("/head-only")]
async fn head_route() -> ([(&'static str, &'static str); 1], ()) {
    ([("x-head", "1")], ())
}

#[options("/opts")]
async fn options_route() -> ([(&'static str, &'static str); 1], ()) {
    ([("allow", "GET, OPTIONS")], ())
}

#[h3rs::group]
mod api {
    use h3rs::prelude::*;

    #[get("/version")]
    pub async fn version() -> &'static str {
        "1.0"
    }

    #[get("/items/:id")]
    pub async fn item(id: u32) -> String {
        format!("item {id}")
    }

    /// Not a route: left alone.
    pub fn helper() -> u8 {
        1
    }
}

#[tokio::test]
async fn every_method_attribute_registers_its_route() {
    let server = TestClient::new(h3rs::app![
        ping,
        ping_post,
        anything,
        put_route,
        patch_route,
        delete_route,
        head_route,
        options_route
    ]);
    assert_eq!(server.get("/ping").send().await.text(), "pong");
    let send = |method: &str, path: &str| {
        server.request(h3rs::Method::from_bytes(method.as_bytes()).unwrap(), path)
    };
    assert_eq!(send("POST", "/ping").send().await.text(), "posted pong");
    assert_eq!(send("PUT", "/put").send().await.text(), "put");
    assert_eq!(send("PATCH", "/patch").send().await.text(), "patch");
    assert_eq!(send("DELETE", "/delete").send().await.text(), "delete");
    assert_eq!(
        send("HEAD", "/head-only")
            .send()
            .await
            .header("x-head")
            .unwrap(),
        "1"
    );
    assert_eq!(
        send("OPTIONS", "/opts")
            .send()
            .await
            .header("allow")
            .unwrap(),
        "GET, OPTIONS"
    );
    for method in ["GET", "POST", "DELETE"] {
        assert_eq!(send(method, "/anything").send().await.text(), method);
    }
}

#[tokio::test]
async fn routes_groups_can_be_registered_or_mounted() {
    let group = h3rs::routes![ping, ping_post];
    let server = TestClient::new(
        H3::new()
            .mount("/v1", group)
            .register(h3rs::routes![anything]),
    );
    assert_eq!(server.get("/v1/ping").send().await.text(), "pong");
    assert_eq!(server.get("/anything").send().await.text(), "GET");
    assert_eq!(server.get("/ping").send().await.status(), 404);
}

#[tokio::test]
async fn group_mod_collects_its_annotated_items() {
    assert_eq!(api::helper(), 1);
    let server = TestClient::new(H3::new().mount("/api", api::routes()));
    assert_eq!(server.get("/api/version").send().await.text(), "1.0");
    assert_eq!(server.get("/api/items/5").send().await.text(), "item 5");
}

#[tokio::test]
async fn the_function_as_written_stays_callable() {
    assert_eq!(ping::function().await, "pong");
    assert_eq!(ping_post::function(), "posted pong");
}

// ---------------------------------------------------------------------------------------------
// What a generated handler requires from its app.

#[derive(Clone)]
struct Db;

#[derive(Clone)]
struct Metrics;

#[derive(Clone)]
struct Feed;

#[post("/needs/:id")]
async fn needs(
    id: u64,
    db: State<Db>,
    metrics: Option<State<Metrics>>,
    again: State<Db>,
    body: Json<serde_json::Value>,
) -> String {
    let _ = (db, metrics, again, body);
    id.to_string()
}

h3rs::yielding! {
    #[sse("/feed")]
    async fn feed(State(_feed): State<Feed>, _last: LastEventId) {
        yield "item";
    }
}

/// The state types `handler` requires, by name.
fn required(handler: &impl h3rs::Handler) -> Vec<&'static str> {
    let mut requirements = h3rs::Requirements::default();
    handler.requires(&mut requirements);
    requirements.state_names().collect()
}

#[test]
fn generated_handlers_report_their_state_types() {
    // `Option<State<Metrics>>` works without the state, so it requires nothing; `Db` once.
    assert_eq!(required(&needs {}), [std::any::type_name::<Db>()]);
    assert_eq!(required(&feed {}), [std::any::type_name::<Feed>()]);
    assert!(required(&ping {}).is_empty());
}
