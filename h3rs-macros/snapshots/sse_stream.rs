// Expansion of:
//
// yielding! {
//     /// Ticks.
//     #[sse("/clock")]
//     pub async fn clock() {
//         let mut tick = tokio::time::interval(Duration::from_secs(1));
//         loop {
//             tick.tick().await;
//             yield "Hello world";
//         }
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

/// Ticks.
#[allow(dead_code, non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub struct clock {}
#[allow(dead_code)]
impl clock {
    /// The event stream as written (`GET /clock`, server-sent events, each `yield value` made `events.send(value).await`).
    pub async fn handler(events: ::h3rs::sse::Yielder) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            events.send("Hello world").await;
        }
    }
    /// Binds the request to the stream's parameters and starts the stream.
    ///
    /// # Errors
    ///
    /// Never: no parameter is bound from the request.
    pub async fn call(
        event: ::h3rs::H3Event,
    ) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
        let response = ::h3rs::sse::Sse::new(&event);
        let stream = ::h3rs::sse::Generator::new(move |events| async move {
            Self::handler(events).await
        });
        ::std::result::Result::Ok(response.stream(stream))
    }
}
/// Ticks.
///
/// Registers `GET /clock`, server-sent events, on an app: `app.register(clock)`.
pub fn clock(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.get("/clock", clock::call)
}
