//! Every `IntoResponse` form, as the wire carries it (in-process, through `TestClient`).

use bytes::Bytes;
use h3rs::header::HeaderValue;
use h3rs::test::TestClient;
use h3rs::{H3, H3Event, HeaderMap, Html, IntoResponse, Json, Redirect, StatusCode, StreamBody};

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
    let server = TestClient::new(app());
    for (path, content_type, body) in [
        ("/static-str", "text/plain; charset=utf-8", &b"static"[..]),
        ("/string", "text/plain; charset=utf-8", b"owned"),
        ("/html", "text/html; charset=utf-8", b"<b>hi</b>"),
        ("/json", "application/json", br#"{"a":[1,2]}"#),
        ("/bytes", "application/octet-stream", b"\x00\x01"),
        ("/vec", "application/octet-stream", b"\x07\x08\x09"),
        ("/stream", "application/octet-stream", b"one two three"),
    ] {
        let reply = server.get(path).send().await;
        assert_eq!(reply.status(), 200, "{path}");
        assert_eq!(
            reply.header("content-type").unwrap(),
            content_type,
            "{path}"
        );
        assert_eq!(&reply.bytes()[..], body, "{path}");
    }
}

#[tokio::test]
async fn statuses_headers_and_redirects() {
    let server = TestClient::new(app());
    assert_eq!(server.get("/status").send().await.status(), 202);
    let made = server.get("/status-body").send().await;
    assert_eq!((made.status().as_u16(), made.text()), (201, "made"));
    let headers = server.get("/headers").send().await;
    assert_eq!(headers.header("x-one").unwrap(), "1");
    assert_eq!(headers.text(), "with headers");
    let pairs = server.get("/pairs").send().await;
    assert_eq!(pairs.header("x-two").unwrap(), "2");
    assert_eq!(pairs.header("cache-control").unwrap(), "no-store");
    let redirect = server.get("/redirect").send().await;
    assert_eq!(redirect.status(), 302);
    assert_eq!(redirect.header("location").unwrap(), "/elsewhere");
    assert_eq!(server.get("/see-other").send().await.status(), 303);
    let unit = server.get("/unit").send().await;
    assert_eq!(unit.status(), 204);
    assert!(unit.bytes().is_empty());
    let full = server.get("/full").send().await;
    assert_eq!(
        (
            full.status().as_u16(),
            full.header("x-full").unwrap(),
            full.text()
        ),
        (203, "yes", "full")
    );
}

#[tokio::test]
async fn option_and_result() {
    let server = TestClient::new(app());
    assert_eq!(server.get("/some").send().await.text(), "found");
    let none = server.get("/none").send().await;
    assert_eq!(none.status(), 404);
    assert_eq!(none.json::<serde_json::Value>()["status"], 404);
    assert_eq!(server.get("/ok").send().await.text(), "ok");
    assert_eq!(server.get("/err").send().await.status(), 502);
    assert_eq!(server.get("/into").send().await.text(), "x");
}
