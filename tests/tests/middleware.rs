//! Middleware order, short-circuit, wrapping, scoping, and the hooks.

use std::sync::{Arc, Mutex};

use h3rs::test::TestClient;
use h3rs::{H3, H3Event, HttpError, IntoResponse, Next, RequestInfo, Response};

type Log = Arc<Mutex<Vec<String>>>;

fn logging(
    log: &Log,
    name: &'static str,
) -> impl Fn(H3Event, Next) -> h3rs::BoxFuture<'static, Response> + Send + Sync + 'static {
    let log = log.clone();
    move |event: H3Event, next: Next| {
        let log = log.clone();
        Box::pin(async move {
            log.lock().unwrap().push(format!("{name} in"));
            let response = next.run(event).await;
            log.lock().unwrap().push(format!("{name} out"));
            response
        })
    }
}

#[tokio::test]
async fn middleware_runs_in_order_around_the_handler() {
    let log: Log = Log::default();
    let handler_log = log.clone();
    let app = H3::new()
        .middleware(logging(&log, "first"))
        .middleware(logging(&log, "second"))
        .get("/", move |_: H3Event| {
            let log = handler_log.clone();
            async move {
                log.lock().unwrap().push("handler".into());
                "done"
            }
        });
    let server = TestClient::new(app);
    assert_eq!(server.get("/").send().await.text(), "done");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "first in",
            "second in",
            "handler",
            "second out",
            "first out"
        ]
    );
}

#[tokio::test]
async fn middleware_can_short_circuit_and_change_the_response() {
    let app = H3::new()
        .middleware(|event: H3Event, next: Next| async move {
            if event.headers().get("x-token").is_none() {
                return HttpError::unauthorized("token required").into_response();
            }
            let mut response = next.run(event).await;
            response
                .headers_mut()
                .insert("x-wrapped", "yes".parse().unwrap());
            response
        })
        .get("/secret", |_: H3Event| async { "secret" });
    let server = TestClient::new(app);
    let denied = server.get("/secret").send().await;
    assert_eq!(denied.status(), 401);
    assert_eq!(
        denied.json::<serde_json::Value>()["message"],
        "token required"
    );
    let allowed = server.get("/secret").header("x-token", "t").send().await;
    assert_eq!(allowed.text(), "secret");
    assert_eq!(allowed.header("x-wrapped").unwrap(), "yes");
}

#[tokio::test]
async fn middleware_sees_params_and_context_reaches_the_handler() {
    #[derive(Clone)]
    struct User(String);
    let app = H3::new()
        .middleware(|mut event: H3Event, next: Next| async move {
            let id = event.params().get("id").unwrap_or("?").to_string();
            event.context_mut().insert(User(format!("user-{id}")));
            next.run(event).await
        })
        .get("/users/:id", |event: H3Event| async move {
            event
                .context()
                .get::<User>()
                .map(|u| u.0.clone())
                .unwrap_or_default()
        });
    let server = TestClient::new(app);
    assert_eq!(server.get("/users/7").send().await.text(), "user-7");
}

#[tokio::test]
async fn scoped_middleware_runs_only_under_its_pattern() {
    let log: Log = Log::default();
    let app = H3::new()
        .middleware_at("/admin/**", logging(&log, "admin"))
        .get("/admin/panel", |_: H3Event| async { "panel" })
        .get("/admin", |_: H3Event| async { "admin root" })
        .get("/public", |_: H3Event| async { "public" });
    let server = TestClient::new(app);
    server.get("/public").send().await;
    assert!(log.lock().unwrap().is_empty());
    server.get("/admin/panel").send().await;
    server.get("/admin").send().await;
    assert_eq!(log.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn mounted_app_middleware_stays_under_its_prefix() {
    let log: Log = Log::default();
    let api = H3::new()
        .middleware(logging(&log, "api"))
        .get("/x", |_: H3Event| async { "api x" });
    let app = H3::new()
        .get("/x", |_: H3Event| async { "root x" })
        .mount("/api", api);
    let server = TestClient::new(app);
    assert_eq!(server.get("/x").send().await.text(), "root x");
    assert!(log.lock().unwrap().is_empty());
    assert_eq!(server.get("/api/x").send().await.text(), "api x");
    assert_eq!(*log.lock().unwrap(), ["api in", "api out"]);
}

#[tokio::test]
async fn middleware_runs_for_unmatched_paths_too() {
    let app = H3::new().middleware(|event: H3Event, next: Next| async move {
        if event.path() == "/virtual" {
            return "served by middleware".into_response();
        }
        next.run(event).await
    });
    let server = TestClient::new(app);
    assert_eq!(
        server.get("/virtual").send().await.text(),
        "served by middleware"
    );
    assert_eq!(server.get("/other").send().await.status(), 404);
}

#[tokio::test]
async fn request_and_response_hooks_run_for_every_request() {
    let log: Log = Log::default();
    let (req_log, res_log) = (log.clone(), log.clone());
    let app = H3::new()
        .on_request(move |event: &mut H3Event| {
            req_log
                .lock()
                .unwrap()
                .push(format!("request {}", event.path()));
            event.headers_mut().insert("x-seen", "1".parse().unwrap());
        })
        .on_response(move |req: &RequestInfo, res: &mut Response| {
            res_log.lock().unwrap().push(format!(
                "response {} {}",
                req.uri.path(),
                res.status().as_u16()
            ));
            res.headers_mut().insert("x-hooked", "yes".parse().unwrap());
        })
        .get("/seen", |event: H3Event| async move {
            event.headers().get("x-seen").is_some().to_string()
        });
    let server = TestClient::new(app);
    let reply = server.get("/seen").send().await;
    assert_eq!(reply.text(), "true");
    assert_eq!(reply.header("x-hooked").unwrap(), "yes");
    assert_eq!(
        server.get("/gone").send().await.header("x-hooked").unwrap(),
        "yes"
    );
    assert_eq!(
        *log.lock().unwrap(),
        [
            "request /seen",
            "response /seen 200",
            "request /gone",
            "response /gone 404"
        ]
    );
}
