//! Every `IntoResponse` form, through a real server.

use bytes::Bytes;
use h3rs::header::HeaderValue;
use h3rs::{H3, H3Event, HeaderMap, Html, IntoResponse, Json, Redirect, StatusCode, StreamBody};
use h3rs_tests::spawn;

fn app() -> H3 {
    H3::new()
        .get("/static-str", |_: H3Event| async { "static" })
        .get("/string", |_: H3Event| async { String::from("owned") })
        .get("/html", |_: H3Event| async { Html("<b>hi</b>") })
        .get("/json", |_: H3Event| async {
            Json(serde_json::json!({ "a": [1, 2] }))
        })
        .get("/bytes", |_: H3Event| async {
            Bytes::from_static(b"\x00\x01")
        })
        .get("/vec", |_: H3Event| async { vec![7u8, 8, 9] })
        .get("/status", |_: H3Event| async { StatusCode::ACCEPTED })
        .get("/status-body", |_: H3Event| async {
            (StatusCode::CREATED, "made")
        })
        .get("/headers", |_: H3Event| async {
            let mut headers = HeaderMap::new();
            headers.insert("x-one", HeaderValue::from_static("1"));
            (StatusCode::OK, headers, "with headers")
        })
        .get("/pairs", |_: H3Event| async {
            ([("x-two", "2"), ("cache-control", "no-store")], "pairs")
        })
        .get("/redirect", |_: H3Event| async {
            Redirect::to("/elsewhere")
        })
        .get("/see-other", |_: H3Event| async {
            Redirect::see_other("/done")
        })
        .get("/unit", |_: H3Event| async {})
        .get("/some", |_: H3Event| async { Some("found") })
        .get("/none", |_: H3Event| async { None::<&str> })
        .get("/ok", |_: H3Event| async { Ok::<_, StatusCode>("ok") })
        .get("/err", |_: H3Event| async {
            Err::<&str, _>(StatusCode::BAD_GATEWAY)
        })
        .get("/full", |_: H3Event| async {
            http::Response::builder()
                .status(203)
                .header("x-full", "yes")
                .body(h3rs::Body::from("full"))
                .unwrap()
        })
        .get("/stream", |_: H3Event| async {
            let chunks =
                futures_util::stream::iter(["one ", "two ", "three"].map(Ok::<_, std::io::Error>));
            StreamBody(chunks)
        })
        .get("/into", |_: H3Event| async { "x".into_response() })
}

#[tokio::test]
async fn bodies_and_content_types() {
    let server = spawn(app()).await;
    for (path, content_type, body) in [
        ("/static-str", "text/plain; charset=utf-8", &b"static"[..]),
        ("/string", "text/plain; charset=utf-8", b"owned"),
        ("/html", "text/html; charset=utf-8", b"<b>hi</b>"),
        ("/json", "application/json", br#"{"a":[1,2]}"#),
        ("/bytes", "application/octet-stream", b"\x00\x01"),
        ("/vec", "application/octet-stream", b"\x07\x08\x09"),
        ("/stream", "application/octet-stream", b"one two three"),
    ] {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), content_type, "{path}");
        assert_eq!(&reply.body[..], body, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn statuses_headers_and_redirects() {
    let server = spawn(app()).await;
    assert_eq!(server.get("/status").await.status, 202);
    let made = server.get("/status-body").await;
    assert_eq!((made.status.as_u16(), made.text()), (201, "made"));
    let headers = server.get("/headers").await;
    assert_eq!(headers.header("x-one"), "1");
    assert_eq!(headers.text(), "with headers");
    let pairs = server.get("/pairs").await;
    assert_eq!(pairs.header("x-two"), "2");
    assert_eq!(pairs.header("cache-control"), "no-store");
    let redirect = server.get("/redirect").await;
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("location"), "/elsewhere");
    assert_eq!(server.get("/see-other").await.status, 303);
    let unit = server.get("/unit").await;
    assert_eq!(unit.status, 204);
    assert!(unit.body.is_empty());
    let full = server.get("/full").await;
    assert_eq!(
        (full.status.as_u16(), full.header("x-full"), full.text()),
        (203, "yes", "full")
    );
    server.stop().await;
}

#[tokio::test]
async fn option_and_result() {
    let server = spawn(app()).await;
    assert_eq!(server.get("/some").await.text(), "found");
    let none = server.get("/none").await;
    assert_eq!(none.status, 404);
    assert_eq!(none.json()["status"], 404);
    assert_eq!(server.get("/ok").await.text(), "ok");
    assert_eq!(server.get("/err").await.status, 502);
    assert_eq!(server.get("/into").await.text(), "x");
    server.stop().await;
}
