//! Every macro's expansion, against `snapshots/*.rs`.

use super::snapshot;

#[test]
fn async_route() {
    snapshot(
        "async_route",
        r#"
        /// Docs.
        #[get("/users/:id")]
        pub async fn user(id: u64, q: Query<Paging>, event: &H3Event) -> Result<Json<User>, HttpError> {
            tracing::debug!(path = event.path(), page = q.0.page);
            Ok(Json(User::find(id).await?))
        }
        "#,
    );
}

#[test]
fn sync_route() {
    snapshot(
        "sync_route",
        r#"
        #[post("/echo")]
        #[allow(clippy::needless_pass_by_value)]
        pub(crate) fn echo(body: String) -> String {
            body
        }
        "#,
    );
}

#[test]
fn all_route() {
    snapshot(
        "all_route",
        r#"
        /// Serves files, whatever the method.
        #[all("/files/**:path")]
        async fn files(path: String, event: &mut H3Event) -> Result<Bytes, HttpError> {
            event.headers_mut().remove("cookie");
            read(&path).await
        }
        "#,
    );
}

#[test]
fn route_without_parameters() {
    snapshot(
        "route_without_parameters",
        r#"
        #[get("/")]
        async fn index() -> Html<&'static str> {
            Html("<h1>Hello</h1>")
        }
        "#,
    );
}

#[test]
fn route_with_patterns() {
    snapshot(
        "route_with_patterns",
        r#"
        #[cfg(feature = "items")]
        #[h3rs::put("/items/:type/:id")]
        #[tracing::instrument(skip(item, event))]
        async fn put_item(r#type: String, mut id: u32, Json(item): Json<Item>, _: Query<Ignored>, event: H3Event) -> StatusCode {
            id += 1;
            store(r#type, id, item, event).await
        }
        "#,
    );
}

#[test]
fn route_with_state_and_body() {
    // The last extractor may read the body; the others read the parts. `requires` lists
    // `State<Db>`, and `Option<State<Metrics>>`, which requires nothing, through its trait.
    snapshot(
        "route_with_state_and_body",
        r#"
        #[post("/items")]
        async fn create(db: State<Db>, metrics: Option<State<Metrics>>, Json(item): Json<Item>) -> StatusCode {
            db.insert(item).await
        }
        "#,
    );
}

#[test]
fn route_with_param_named_like_route() {
    // The route's value is a function, not a unit struct: `note` binds, in the parameters as in
    // the body.
    snapshot(
        "route_with_param_named_like_route",
        r#"
        #[get("/notes/:note")]
        pub async fn note(note: u64, notes: State<Notes>) -> Option<String> {
            let note = notes.get(note)?;
            match note.text() {
                Some(note) => Some(note.to_owned()),
                None => None,
            }
        }
        "#,
    );
}

#[test]
fn group_module() {
    snapshot(
        "group_module",
        r#"
        #[h3rs::group]
        pub mod api {
            use h3rs::prelude::*;

            #[get("/users")]
            pub async fn users() -> Json<Vec<User>> {
                Json(User::all().await)
            }

            #[h3rs::post("/users")]
            pub async fn create(user: Json<User>) -> StatusCode {
                user.0.save().await
            }

            fn helper() {}

            pub struct Chat;

            #[websocket("/_ws")]
            impl Chat {}

            #[h3rs::group]
            mod admin {
                #[delete("/users/:id")]
                async fn delete_user(id: u64) {}
            }
        }
        "#,
    );
}

#[test]
fn group_module_with_cfg() {
    snapshot(
        "group_module_with_cfg",
        r#"
        #[group]
        mod api {
            #[get("/")]
            async fn index() {}

            #[cfg(debug_assertions)]
            #[get("/debug")]
            async fn debug() {}
        }
        "#,
    );
}

#[test]
fn route_with_errors() {
    // The errors come with a stand-in: the name still registers (nothing) and the body is
    // still checked, so that the errors do not cascade.
    snapshot(
        "route_with_errors",
        r#"
        /// Docs.
        #[get("users/:id")]
        pub async fn user(idd: u64) -> String {
            idd.to_string()
        }
        "#,
    );
}

#[test]
fn websocket_handler() {
    snapshot(
        "websocket_handler",
        r#"
        #[websocket("/_ws/:room")]
        impl Chat {
            async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, HttpError> {
                Ok(Upgrade::accept())
            }
            async fn open(&self, peer: &Peer) {
                peer.subscribe("chat");
            }
            fn message(&self, peer: &Peer, message: Message) {
                peer.publish("chat", message);
            }
            async fn close(&self, peer: &Peer) {
                peer.publish("chat", "bye");
            }
            fn helper(&self) -> usize {
                1
            }
        }
        "#,
    );
}

#[test]
fn websocket_typed_message() {
    snapshot(
        "websocket_typed_message",
        r#"
        #[websocket("/moves")]
        impl Board {
            async fn message(&self, peer: &Peer, Json(step): Json<Move>) {
                peer.publish("board", Json(&step));
            }
        }
        "#,
    );
}

#[test]
fn sse_stream() {
    snapshot(
        "sse_stream",
        r#"
        yielding! {
            /// Ticks.
            #[sse("/clock")]
            pub async fn clock() {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    yield "Hello world";
                }
            }
        }
        "#,
    );
}

#[test]
fn sse_stream_with_parameters() {
    snapshot(
        "sse_stream_with_parameters",
        r#"
        yielding! {
            #[sse("/rooms/:room", keep_alive = 30)]
            async fn room(room: u64, last: LastEventId, event: &H3Event) -> Result<(), HttpError> {
                let mut next = last.parse::<u64>().map_or(0, |seen| seen + 1);
                let messages = Messages::of(event).since(room, next).await?;
                if messages.is_empty() {
                    return Err(HttpError::not_found("no such room"));
                }
                for message in messages {
                    yield SseEvent::new(message.text).id(next.to_string());
                    next += 1;
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => yield "still here",
                }
                Ok(())
            }

            #[sse("/quiet", keep_alive = false)]
            async fn quiet() {
                yield Json(Status::default());
            }
        }
        "#,
    );
}

#[test]
fn group_with_sse_streams() {
    snapshot(
        "group_with_sse_streams",
        r#"
        #[group]
        mod live {
            #[get("/")]
            pub async fn page() -> Html<&'static str> {
                Html("<p>live</p>")
            }

            h3rs::yielding! {
                #[sse("/events")]
                pub async fn events() {
                    yield "hello";
                }

                #[cfg(debug_assertions)]
                #[sse("/debug")]
                pub async fn debug() {
                    yield "debug";
                }
            }
        }
        "#,
    );
}
