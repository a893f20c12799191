//! The typed-messages example as a process: JSON commands answered in JSON, a room publish
//! reaching the other peer, malformed JSON closed with 1007 and serde's position, and a binary
//! frame to the text route closed with 1003, as its documentation says.

use h3rs_tests::ExampleProcess;
use h3rs_tests::ws::{Client, next};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message as Wire;

async fn next_json(client: &mut Client) -> serde_json::Value {
    match next(client).await {
        Wire::Text(text) => serde_json::from_str(&text).expect("JSON"),
        other => panic!("expected text, got {other:?}"),
    }
}

async fn close_of(client: &mut Client) -> (u16, String) {
    match next(client).await {
        Wire::Close(Some(frame)) => (frame.code.into(), frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn json_commands_are_parsed_before_the_hook_and_bad_ones_close_the_peer() {
    let example = ExampleProcess::start("typed-messages");
    let url = format!("ws://{}/_ws", example.addr());
    let (mut alice, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut bob, _) = tokio_tungstenite::connect_async(&url).await.unwrap();

    for client in [&mut alice, &mut bob] {
        let join = r#"{"type":"join","room":"lobby"}"#;
        client.send(Wire::text(join)).await.unwrap();
        assert_eq!(
            next_json(client).await,
            serde_json::json!({ "type": "joined", "room": "lobby" })
        );
    }
    let say = r#"{"type":"say","room":"lobby","text":"hello"}"#;
    alice.send(Wire::text(say)).await.unwrap();
    let echoed = next_json(&mut alice).await;
    assert_eq!(
        (echoed["type"].as_str(), echoed["text"].as_str()),
        (Some("said"), Some("hello"))
    );
    assert_eq!(next_json(&mut bob).await, echoed);

    alice
        .send(Wire::text(r#"{"type":"say","room":"lobby""#))
        .await
        .unwrap();
    assert_eq!(
        close_of(&mut alice).await,
        (
            1007,
            "invalid JSON: EOF while parsing an object at line 1 column 28".to_owned()
        )
    );

    let logged = example.log_until("bad message").pop().unwrap();
    assert!(
        logged.contains("position=Some((1, 28))") && logged.contains("EOF while parsing"),
        "{logged}"
    );

    let (mut text, _) = tokio_tungstenite::connect_async(format!("{url}/text"))
        .await
        .unwrap();
    text.send(Wire::binary(vec![0xff])).await.unwrap();
    assert_eq!(
        close_of(&mut text).await,
        (1003, "expected a text message, got binary".to_owned())
    );
}
