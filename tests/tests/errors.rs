//! Errors: H3's JSON shape, hidden internals, panics, the on_error hook.

use h3rs::test::TestClient;
use h3rs::{H3, H3Event, HttpError, IntoResponse, RequestInfo, StatusCode};

#[tokio::test]
async fn http_error_renders_status_message_data_and_headers() {
    let app = H3::new().get("/teapot", |_: H3Event| async {
        Err::<&str, _>(
            HttpError::new(StatusCode::IM_A_TEAPOT, "short and stout")
                .with_data(serde_json::json!({ "handle": true }))
                .with_header(
                    h3rs::header::RETRY_AFTER,
                    h3rs::header::HeaderValue::from_static("3"),
                ),
        )
    });
    let server = TestClient::new(app);
    let reply = server.get("/teapot").send().await;
    assert_eq!(reply.status(), 418);
    assert_eq!(reply.header("content-type").unwrap(), "application/json");
    assert_eq!(reply.header("retry-after").unwrap(), "3");
    assert_eq!(
        reply.json::<serde_json::Value>(),
        serde_json::json!({
            "status": 418,
            "statusText": "I'm a teapot",
            "message": "short and stout",
            "data": { "handle": true }
        })
    );
}

#[tokio::test]
async fn unexpected_errors_are_500_without_internals() {
    let app = H3::new()
        .get("/io", |_: H3Event| async {
            let failed: Result<(), _> = Err(std::io::Error::other("password=hunter2 leaked"));
            failed.map_err(HttpError::internal)?;
            Ok::<_, HttpError>("unreachable")
        })
        .get("/boxed", |_: H3Event| async {
            let parsed: Result<u8, h3rs::BoxError> = "x".parse::<u8>().map_err(Into::into);
            parsed.map(|n| n.to_string())
        });
    let server = TestClient::new(app);
    for path in ["/io", "/boxed"] {
        let reply = server.get(path).send().await;
        assert_eq!(reply.status(), 500, "{path}");
        assert_eq!(
            reply.json::<serde_json::Value>()["message"],
            "Internal Server Error",
            "{path}"
        );
        assert!(!reply.text().contains("hunter2"));
        assert!(!reply.text().contains("invalid digit"));
    }
}

#[tokio::test]
async fn a_panicking_handler_costs_one_request_and_the_server_goes_on() {
    let app = H3::new()
        .get("/panic", |_: H3Event| async {
            if true {
                panic!("secret panic detail");
            }
            "never"
        })
        .get("/ok", |_: H3Event| async { "still here" });
    let server = TestClient::new(app);
    let reply = server.get("/panic").send().await;
    assert_eq!(reply.status(), 500);
    assert_eq!(
        reply.json::<serde_json::Value>()["message"],
        "Internal Server Error"
    );
    assert!(!reply.text().contains("secret"));
    let reply = server.get("/ok").send().await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.text(), "still here");
}

#[tokio::test]
async fn on_error_reshapes_error_responses_only() {
    let app = H3::new()
        .get("/fail", |_: H3Event| async {
            HttpError::forbidden("no entry")
        })
        .get("/fine", |_: H3Event| async { "fine" })
        .on_error(|err: &HttpError, req: &RequestInfo| {
            Some(
                (
                    err.status,
                    format!(
                        "custom {} {} on {}",
                        err.status.as_u16(),
                        err.message,
                        req.uri.path()
                    ),
                )
                    .into_response(),
            )
        });
    let server = TestClient::new(app);
    let reply = server.get("/fail").send().await;
    assert_eq!(reply.status(), 403);
    assert_eq!(reply.text(), "custom 403 no entry on /fail");
    let reply = server.get("/missing").send().await;
    assert_eq!(reply.status(), 404);
    assert!(reply.text().starts_with("custom 404 Cannot find any route"));
    assert_eq!(server.get("/fine").send().await.text(), "fine");
}

#[tokio::test]
async fn on_error_returning_none_keeps_the_json_error() {
    let app = H3::new().on_error(|_: &HttpError, _: &RequestInfo| None);
    let server = TestClient::new(app);
    let reply = server.get("/x").send().await;
    assert_eq!(reply.status(), 404);
    assert_eq!(reply.json::<serde_json::Value>()["statusText"], "Not Found");
}
