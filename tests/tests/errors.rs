//! Errors: H3's JSON shape, hidden internals, panics, the on_error hook.

use h3rs::{H3, H3Event, HttpError, IntoResponse, RequestInfo, StatusCode};
use h3rs_tests::spawn;

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
    let server = spawn(app).await;
    let reply = server.get("/teapot").await;
    assert_eq!(reply.status, 418);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("retry-after"), "3");
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "status": 418,
            "statusText": "I'm a teapot",
            "message": "short and stout",
            "data": { "handle": true }
        })
    );
    server.stop().await;
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
    let server = spawn(app).await;
    for path in ["/io", "/boxed"] {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 500, "{path}");
        assert_eq!(reply.json()["message"], "Internal Server Error", "{path}");
        assert!(!reply.text().contains("hunter2"));
        assert!(!reply.text().contains("invalid digit"));
    }
    server.stop().await;
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
    let server = spawn(app).await;
    let reply = server.get("/panic").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["message"], "Internal Server Error");
    assert!(!reply.text().contains("secret"));
    let reply = server.get("/ok").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "still here");
    server.stop().await;
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
    let server = spawn(app).await;
    let reply = server.get("/fail").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.text(), "custom 403 no entry on /fail");
    let reply = server.get("/missing").await;
    assert_eq!(reply.status, 404);
    assert!(reply.text().starts_with("custom 404 Cannot find any route"));
    assert_eq!(server.get("/fine").await.text(), "fine");
    server.stop().await;
}

#[tokio::test]
async fn on_error_returning_none_keeps_the_json_error() {
    let app = H3::new().on_error(|_: &HttpError, _: &RequestInfo| None);
    let server = spawn(app).await;
    let reply = server.get("/x").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["statusText"], "Not Found");
    server.stop().await;
}
