//! `TypedHeader<T>`: headers parsed by the `headers` crate, as route-macro parameters and by
//! hand; a missing header and a malformed one are 400s that name it.

use h3rs::TypedHeader;
use h3rs::headers::authorization::{Authorization, Bearer};
use h3rs::headers::{ContentType, Cookie, UserAgent};
use h3rs::prelude::*;
use h3rs::test::TestClient;

#[get("/me")]
async fn me(TypedHeader(auth): TypedHeader<Authorization<Bearer>>) -> String {
    format!("token {}", auth.token())
}

#[get("/agent")]
async fn agent(agent: Option<TypedHeader<UserAgent>>) -> String {
    agent.map_or("no agent".to_owned(), |TypedHeader(agent)| {
        agent.to_string()
    })
}

#[get("/session")]
async fn session(cookie: TypedHeader<Cookie>) -> String {
    cookie.get("session").unwrap_or("none").to_owned()
}

#[get("/type")]
async fn content_type(kind: Option<TypedHeader<ContentType>>) -> String {
    kind.map_or("none".to_owned(), |TypedHeader(kind)| kind.to_string())
}

fn client() -> TestClient {
    TestClient::new(h3rs::app![me, agent, session, content_type])
}

#[tokio::test]
async fn a_bearer_token_is_parsed() {
    let res = client()
        .get("/me")
        .header("authorization", "Bearer s3cr3t")
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text(), "token s3cr3t");
}

#[tokio::test]
async fn a_missing_header_is_a_400_naming_it() {
    let res = client().get("/me").send().await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<serde_json::Value>()["message"],
        "Missing header `authorization`"
    );
}

#[tokio::test]
async fn a_malformed_header_is_a_400_naming_it() {
    // Basic credentials where a bearer token is expected.
    let res = client()
        .get("/me")
        .header("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")
        .send()
        .await;
    assert_eq!(res.status(), 400);
    let message = res.json::<serde_json::Value>()["message"].to_string();
    assert!(
        message.contains("Invalid header `authorization`"),
        "{message}"
    );
}

#[tokio::test]
async fn an_optional_header_is_none_when_absent_and_still_400_when_malformed() {
    let client = client();
    assert_eq!(client.get("/agent").send().await.text(), "no agent");
    let res = client
        .get("/agent")
        .header("user-agent", "curl/8")
        .send()
        .await;
    assert_eq!(res.text(), "curl/8");

    assert_eq!(client.get("/type").send().await.text(), "none");
    let res = client
        .get("/type")
        .header("content-type", "text/plain")
        .send()
        .await;
    assert_eq!(res.text(), "text/plain");
    let res = client
        .get("/type")
        .header("content-type", "no slash")
        .send()
        .await;
    assert_eq!(res.status(), 400);
    let message = res.json::<serde_json::Value>()["message"].to_string();
    assert!(
        message.contains("Invalid header `content-type`"),
        "{message}"
    );
}

#[tokio::test]
async fn cookies_are_read_by_name() {
    let res = client()
        .get("/session")
        .header("cookie", "theme=dark; session=abc123")
        .send()
        .await;
    assert_eq!(res.text(), "abc123");
}

#[tokio::test]
async fn the_extractor_works_by_hand() {
    let app = H3::new().get("/", |mut event: H3Event| async move {
        let TypedHeader(agent) = TypedHeader::<UserAgent>::from_event(&mut event).await?;
        Ok::<_, HttpError>(format!("hello {agent}"))
    });
    let client = TestClient::new(app);
    let res = client
        .get("/")
        .header("user-agent", "h3rs-test")
        .send()
        .await;
    assert_eq!(res.text(), "hello h3rs-test");
    assert_eq!(client.get("/").send().await.status(), 400);
}
