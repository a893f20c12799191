//! The compile errors, by message. `tests/ui/` (the workspace's `tests` package) checks where
//! the compiler shows them.

use super::{compile_errors, expand};

/// The messages of the errors `source` expands to.
fn errors(source: &str) -> Vec<String> {
    compile_errors(expand(source))
}

#[track_caller]
fn assert_errors(source: &str, expected: &[&str]) {
    assert_eq!(errors(source), expected, "errors of {source}");
}

#[test]
fn path_without_slash() {
    assert_errors(
        r#"#[get("users")] async fn users() {}"#,
        &[r#"route paths start with `/`: write "/users""#],
    );
}

#[test]
fn param_not_an_identifier() {
    assert_errors(
        r#"#[get("/users/:user-id")] async fn user() {}"#,
        &["`:user-id` is not an identifier: write `:user_id`"],
    );
}

#[test]
fn duplicate_param() {
    assert_errors(
        r#"#[get("/a/:id/b/:id")] async fn ab() {}"#,
        &[
            r#"`:id` appears twice in "/a/:id/b/:id": give each param its own name, as in `:id` and `:id_2`"#,
        ],
    );
}

#[test]
fn catch_all_not_last() {
    assert_errors(
        r#"#[get("/files/**:path/raw")] async fn raw() {}"#,
        &[
            "`**:path` matches the rest of the path, so it must be the last segment: use `*` or \
           `:name` for one segment in the middle",
        ],
    );
}

#[test]
fn unknown_param() {
    assert_errors(
        r#"#[get("/users/:id")] async fn user(idd: u64) {}"#,
        &[r#"`idd` is not a param of the path "/users/:id": did you mean `id`? write `id: u64`"#],
    );
    assert_errors(
        r#"#[get("/users/:id")] async fn user(user_id: u64) {}"#,
        &[
            r#"`user_id` is not a param of the path "/users/:id", which has `:id`: rename the parameter to one of them, or add `:user_id` to the path"#,
        ],
    );
    assert_errors(
        r#"#[get("/users/:id/posts/:post")] async fn post(id: u64, slug: &str) {}"#,
        &[
            r#"`slug` is not a param of the path "/users/:id/posts/:post", which has `:id` and `:post`: rename the parameter to one of them, or add `:slug` to the path"#,
        ],
    );
    assert_errors(
        r#"#[get("/users/")] async fn user(id: u64) {}"#,
        &[
            r#"`id` is not a param of the path "/users/", which has none: add `:id` to the path, as in "/users/:id""#,
        ],
    );
    assert_errors(
        r#"#[get("/users/:id")] async fn user(_: u64) {}"#,
        &[
            r#"a `u64` parameter is parsed from the path: name it like a param of "/users/:id", as in `id: u64` for "/users/:id""#,
        ],
    );
}

#[test]
fn misspelt_param() {
    // A `String` not named like a param would be the body: one typo away from an untaken
    // `:param`, it is an error.
    assert_errors(
        r#"#[get("/rooms/:room")] async fn room(rooom: String) {}"#,
        &[
            r#"`rooom` is not a param of the path "/rooms/:room", so a `String` parameter is the request body as text: did you mean `room`? write `room: String`"#,
        ],
    );
    assert_errors(
        r#"#[get("/users/:user_id")] async fn user(userId: Uuid) {}"#,
        &[
            r#"`userId` is not a param of the path "/users/:user_id": did you mean `user_id`? write `user_id: Uuid`"#,
        ],
    );
    assert_errors(
        r#"yielding! { #[sse("/rooms/:room")] async fn room(rom: String) { yield "x"; } }"#,
        &[
            r#"`rom` is not a param of the path "/rooms/:room", so a `String` parameter is the request body as text: did you mean `room`? write `room: String`"#,
        ],
    );
    // Taken already, far from it, or not a plain type: no error.
    assert_errors(
        r#"#[get("/rooms/:room")] async fn room(room: String, rooms: String) {}"#,
        &[],
    );
    assert_errors(
        r#"#[post("/rooms/:room")] async fn room(body: String) {}"#,
        &[],
    );
    assert_errors(
        r#"#[get("/rooms/:room")] async fn room(rooms: Query<Paging>) {}"#,
        &[],
    );
}

#[test]
fn body_extractors() {
    assert_errors(
        r#"#[post("/items")] async fn create(item: Json<Item>, note: String) {}"#,
        &[
            "`Json<Item>` and `String` both read the request body, which can be read once: take one of them (`Bytes` gives the raw body, to parse in more than one way)",
        ],
    );
    assert_errors(
        r#"#[post("/items")] async fn create(Json(item): Json<Item>, q: Query<Paging>, event: &H3Event) {}"#,
        &[
            "`Json<Item>` reads the request body, so it must be the last extractor: move `Json(item): Json<Item>` after `q: Query<Paging>`",
        ],
    );
    assert_errors(
        r#"#[post("/items")] async fn create(form: Option<Form<Item>>, bytes: Bytes) {}"#,
        &[
            "`Option<Form<Item>>` and `Bytes` both read the request body, which can be read once: take one of them (`Bytes` gives the raw body, to parse in more than one way)",
        ],
    );
    // Last, after the event and path params: fine.
    assert_errors(
        r#"#[post("/items/:id")] async fn create(q: Query<Paging>, item: Json<Item>, id: u64, event: &H3Event) {}"#,
        &[],
    );
}

#[test]
fn string_is_an_extractor() {
    // `String` not named like a param is the body as text.
    assert_errors(r#"#[post("/users")] async fn create(body: String) {}"#, &[]);
}

#[test]
fn borrowed_param() {
    assert_errors(
        r#"#[get("/users/:name")] async fn user(name: &str) {}"#,
        &["path params are parsed into owned values: write `name: String`"],
    );
    assert_errors(
        r#"#[get("/users/:id")] async fn user(id: &u64) {}"#,
        &["path params are parsed into owned values: write `id: u64`"],
    );
}

#[test]
fn borrowed_extractor() {
    assert_errors(
        r#"#[get("/users")] async fn users(headers: &HeaderMap) {}"#,
        &[
            "extractors are owned values: write `HeaderMap` instead of `&HeaderMap` (only \
           `&H3Event` and `&mut H3Event` are borrowed)",
        ],
    );
    assert_errors(
        r#"#[get("/users")] async fn users(query: &'static Query<HashMap<String, Vec<u8>>>) {}"#,
        &[
            "extractors are owned values: write `Query<HashMap<String, Vec<u8>>>` instead of \
           `&'static Query<HashMap<String, Vec<u8>>>` (only `&H3Event` and `&mut H3Event` are \
           borrowed)",
        ],
    );
}

#[test]
fn receiver() {
    assert_errors(
        r#"#[get("/")] async fn index(&self) {}"#,
        &[
            "route handlers are free functions: move it out of the impl block, or use \
           #[websocket(\"/path\")] on the impl block of a WebSocket handler",
        ],
    );
}

#[test]
fn generic() {
    assert_errors(
        r#"#[get("/")] async fn index<T: Default, const N: usize>() {}"#,
        &[
            "route handlers cannot be generic: replace `T` with a concrete type",
            "route handlers cannot be generic: replace `N` with a constant",
        ],
    );
    // Lifetimes are fine.
    assert_errors(
        r#"#[get("/")] async fn index<'a>(event: &'a H3Event) {}"#,
        &[],
    );
}

#[test]
fn impl_trait_parameter() {
    assert_errors(
        r#"#[get("/")] async fn index(body: impl FromEvent) {}"#,
        &["route handlers cannot be generic: write a concrete type instead of `impl Trait`"],
    );
}

#[test]
fn unsafe_handler() {
    assert_errors(
        r#"#[get("/")] async unsafe fn index() {}"#,
        &[
            "route handlers cannot be `unsafe`: remove `unsafe` and use an `unsafe` block in the body",
        ],
    );
}

#[test]
fn event_taken_twice() {
    assert_errors(
        r#"#[get("/")] async fn index(a: &H3Event, b: &mut H3Event) {}"#,
        &[
            "the handler takes the event twice: take it once, as `&H3Event`, `&mut H3Event` or `H3Event`",
        ],
    );
    assert_errors(
        r#"#[get("/")] async fn index(a: &H3Event, b: &h3rs::H3Event) {}"#,
        &[],
    );
}

#[test]
fn parameter_named_like_the_route() {
    // The route's value is a function, which a pattern never matches: `user` binds the param.
    assert_errors(r#"#[get("/:user")] async fn user(user: String) {}"#, &[]);
    assert_errors(r#"#[get("/")] async fn user(user: Query<Paging>) {}"#, &[]);
}

#[test]
fn missing_path() {
    assert_errors(
        r#"#[get] async fn index() {}"#,
        &[r#"#[get] needs the route path: write #[get("/path")]"#],
    );
    assert_errors(
        r#"#[post()] async fn index() {}"#,
        &[r#"#[post] needs the route path: write #[post("/path")]"#],
    );
}

#[test]
fn path_not_a_string() {
    assert_errors(
        r#"#[get(/users/:id)] async fn user(id: u64) {}"#,
        &[r#"the route path is a string: write #[get("/users/:id")]"#],
    );
    assert_errors(
        r#"#[get(path = "/users")] async fn users() {}"#,
        &[r#"the route path is a string: write #[get("/users")]"#],
    );
}

#[test]
fn extra_arguments() {
    assert_errors(
        r#"#[get("/a", "/b")] async fn a() {}"#,
        &[r#"#[get] takes only the route path: write #[get("/a")]"#],
    );
    assert_errors(r#"#[get("/a",)] async fn a() {}"#, &[]);
}

#[test]
fn not_a_function() {
    assert_errors(
        r#"#[get("/")] struct Index;"#,
        &[r#"#[get] goes on a function: write `#[get("/path")] async fn name() { ... }`"#],
    );
    assert_errors(
        r#"#[get("/")] impl Chat {}"#,
        &[
            r#"#[get] goes on a function, not on an impl block: write `#[get("/path")] async fn name() { ... }`, or use #[websocket("/path")] on the impl block of a WebSocket handler"#,
        ],
    );
}

#[test]
fn several_errors_at_once() {
    assert_eq!(
        errors(r#"#[get("users/:id/:id")] async fn user<T>(&self, name: u64) {}"#),
        [
            r#"route paths start with `/`: write "/users/:id/:id""#,
            r#"`:id` appears twice in "users/:id/:id": give each param its own name, as in `:id` and `:id_2`"#,
            "route handlers cannot be generic: replace `T` with a concrete type",
            "route handlers are free functions: move it out of the impl block, or use \
             #[websocket(\"/path\")] on the impl block of a WebSocket handler",
        ],
    );
    assert_eq!(
        errors(r#"#[get("/users/:id")] async fn user(a: u8, b: &str) {}"#).len(),
        2
    );
}

#[test]
fn group_errors() {
    assert_errors(
        r#"#[group(api)] mod api { #[get("/")] async fn index() {} }"#,
        &["#[group] takes no arguments: write #[h3rs::group] mod name { ... }"],
    );
    assert_errors(
        r#"#[group] mod api { fn helper() {} }"#,
        &[
            r#"no route found in `mod api`: annotate its functions with #[get("/...")] or another route attribute"#,
        ],
    );
    assert_errors(
        r#"#[group] mod api;"#,
        &["#[group] needs the routes of `mod api` inline: write `mod api { ... }`"],
    );
    assert_errors(
        r#"#[group] struct Api;"#,
        &["#[group] goes on a module of routes: write #[h3rs::group] mod name { ... }"],
    );
}

#[test]
fn websocket_misspelt_hook() {
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn on_open(&self, peer: &Peer) {} }"#,
        &[
            "`on_open` is not a WebSocket hook: did you mean `open`? write `async fn open(&self, peer: &Peer)`",
        ],
    );
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { fn onMessage(&self) {} }"#,
        &[
            "`onMessage` is not a WebSocket hook: did you mean `message`? write `async fn message(&self, peer: &Peer, message: Message)`",
        ],
    );
}

#[test]
fn websocket_wrong_signatures() {
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn message(&self, peer: &Peer) {} }"#,
        &[
            "`message` takes 2 parameters after `&self`: expected `async fn message(&self, peer: &Peer, message: Message)`, where the message is `Message`, `String` (text frames), `Bytes` (binary frames), `Json<T>`, or a type implementing `h3rs::ws::FromMessage`",
        ],
    );
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn open(&self, peer: Peer) {} }"#,
        &[
            "hooks borrow the peer: write `peer: &Peer` (`peer.clone()` in the body keeps it beyond the hook); expected `async fn open(&self, peer: &Peer)`",
        ],
    );
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { fn close(&self, peer: &mut Peer, details: &CloseDetails) {} }"#,
        &[
            "hooks borrow the peer immutably: write `peer: &Peer`; expected `async fn close(&self, peer: &Peer)` or `async fn close(&self, peer: &Peer, details: CloseDetails)`",
            "`details` is passed by value: write `details: CloseDetails`; expected `async fn close(&self, peer: &Peer)` or `async fn close(&self, peer: &Peer, details: CloseDetails)`",
        ],
    );
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn upgrade(&self, event: &H3Event) -> bool { true } }"#,
        &[
            "`upgrade` accepts or rejects the handshake with its result, not a `bool`: return `Result<(), HttpError>` (`Err(HttpError::forbidden(..))` rejects) or `Upgrade`; expected `async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, HttpError>`, returning nothing (accept), `Upgrade`, or `Result<Upgrade, E>` / `Result<(), E>` where `E` is any response (`Err` rejects the handshake with it)",
        ],
    );
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn upgrade(&self, event: &Peer) {} }"#,
        &[
            "`&Peer` is not what `upgrade` is given here: write `event: &H3Event`; expected `async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, HttpError>`, returning nothing (accept), `Upgrade`, or `Result<Upgrade, E>` / `Result<(), E>` where `E` is any response (`Err` rejects the handshake with it)",
        ],
    );
    // Typed messages: an owned type the macro cannot rule out is left to the compiler.
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn message(&self, peer: &Peer, m: h3rs::Json<Move>) {} }"#,
        &[],
    );
    let suffix = "; expected `async fn message(&self, peer: &Peer, message: Message)`, where the message is `Message`, `String` (text frames), `Bytes` (binary frames), `Json<T>`, or a type implementing `h3rs::ws::FromMessage`";
    for (ty, hint) in [
        (
            "&str",
            "the hook owns the message: write `message: String` instead of `&str`",
        ),
        (
            "&Message",
            "the hook owns the message: write `message: Message` instead of `&Message`",
        ),
        (
            "u64",
            "`u64` cannot be a message: take `Json<u64>` to parse it as JSON, or `String` and parse the text",
        ),
        (
            "Peer",
            "`Peer` cannot be a message: the peer comes first, as `peer: &Peer`, then the message",
        ),
    ] {
        let source = format!(
            r#"#[websocket("/ws")] impl Chat {{ async fn message(&self, peer: &Peer, m: {ty}) {{}} }}"#
        );
        assert_errors(&source, &[&format!("{hint}{suffix}")]);
    }
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn open(peer: &Peer) {} }"#,
        &["hooks take `&self`: expected `async fn open(&self, peer: &Peer)`"],
    );
    assert_errors(
        r#"#[websocket("/ws")] impl Chat { async fn open(&self, peer: &Peer) -> bool { true } }"#,
        &["`open` returns nothing: expected `async fn open(&self, peer: &Peer)`"],
    );
}

#[test]
fn websocket_path_errors() {
    assert_errors(
        r#"#[websocket("_ws")] impl Chat {}"#,
        &[r#"route paths start with `/`: write "/_ws""#],
    );
    assert_errors(
        r#"#[websocket] impl Chat {}"#,
        &[r#"missing path: write #[websocket("/_ws")]"#],
    );
}

#[test]
fn sse_not_async() {
    assert_errors(
        r#"yielding! { #[sse("/clock")] fn clock() { yield "tick"; } }"#,
        &[
            "#[sse] goes on an `async fn`, whose body may `.await` between yields: write `async fn clock`",
        ],
    );
}

#[test]
fn sse_yield_without_value() {
    assert_errors(
        r#"yielding! { #[sse("/clock")] async fn clock() { yield; } }"#,
        &["`yield` needs an event: write `yield \"text\"`, or `return` to end the stream"],
    );
}

#[test]
fn sse_yield_in_closure_or_async_block() {
    assert_errors(
        r#"yielding! { #[sse("/c")] async fn c() { let f = || { yield 1; }; let b = async { yield 2; }; } }"#,
        &[
            "`yield` inside a closure does not reach the event stream: yield from the body of the #[sse] function itself",
            "`yield` inside an async block does not reach the event stream: yield from the body of the #[sse] function itself",
        ],
    );
}

#[test]
fn sse_options() {
    assert_errors(
        r#"yielding! { #[sse("/a", keep_alive = 0)] async fn a() {} }"#,
        &["a keep-alive every 0 seconds is no keep-alive: write keep_alive = false"],
    );
    assert_errors(
        r#"yielding! { #[sse("/a", keep_alive = true)] async fn a() {} }"#,
        &[
            "keep-alive is on by default (every 15 s): remove `keep_alive = true`, or give the seconds, as in keep_alive = 30",
        ],
    );
    assert_errors(
        r#"yielding! { #[sse("/a", keepalive = 3)] async fn a() {} }"#,
        &[
            "unknown option `keepalive`: the option of #[sse] is keep_alive; write #[sse(\"/a\", keep_alive = 30)] (seconds of silence before a keep-alive comment) or keep_alive = false",
        ],
    );
    assert_errors(
        r#"yielding! { #[sse] async fn a() {} }"#,
        &["#[sse] needs the route path: write #[sse(\"/path\")]"],
    );
}

#[test]
fn yielding_holds_sse_functions() {
    assert_errors(
        r#"yielding! { async fn a() { yield 1; } }"#,
        &[
            "yielding! holds #[sse] functions only: add #[sse(\"/path\")] to it, or move it out of the block",
        ],
    );
}

#[test]
fn sse_result() {
    assert_errors(
        r#"yielding! { #[sse("/a")] async fn a() -> u32 { yield "x"; 1 } }"#,
        &[
            "an #[sse] function returns nothing or `Result<(), E>`: remove `-> u32`, or return `Result<(), E>` to use `?` (an error ends the stream)",
        ],
    );
    assert_errors(r#"yielding! { #[sse("/a")] async fn a() -> () {} }"#, &[]);
    assert_errors(
        r#"yielding! { #[sse("/a")] async fn a() -> io::Result<()> { Ok(()) } }"#,
        &[],
    );
}

#[test]
fn sse_question_mark_in_a_macro_call() {
    assert_errors(
        r#"yielding! { #[sse("/a")] async fn a() -> Result<(), E> { tokio::select! { r = f() => { let x = r?; yield x; } } Ok(()) } }"#,
        &[
            "`?` inside a macro call does not reach the event stream: take the result out of the macro (`result = future => result,`), then use `?` on it",
        ],
    );
    assert_errors(
        r#"yielding! { #[sse("/a")] async fn a() -> Result<(), E> { tokio::select! { _ = f() => return Err(e), } Ok(()) } }"#,
        &[
            "`return` with a result inside a macro call does not reach the event stream: take the result out of the macro, then `return` it or use `?`",
        ],
    );
    // `return Ok(())` is fine, and so is tracing's `?value`; an infallible body has no `?`.
    assert_errors(
        r#"yielding! { #[sse("/a")] async fn a() -> Result<(), E> { tokio::select! { _ = f() => return Ok(()), } tracing::info!(?peer, x = ?y); Ok(()) } }"#,
        &[],
    );
}

#[test]
fn yield_under_the_attribute_alone() {
    assert_errors(
        r#"#[sse("/a")] async fn a() { yield 1; }"#,
        &[
            "stable Rust rejects `yield` in a function body before #[sse] can rewrite it (the E0658 that follows): write the function inside `h3rs::yielding! { ... }`",
        ],
    );
}

#[test]
fn yield_in_a_route() {
    assert_errors(
        r#"#[get("/a")] async fn a() { yield 1; }"#,
        &[
            "`yield` streams server-sent events, which a #[get] route cannot (and stable Rust rejects it here: the E0658 that follows): write the function as #[sse(\"/path\")] inside `h3rs::yielding! { ... }`",
        ],
    );
}
