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
pub struct clock {}
#[allow(dead_code)]
impl clock {
    /// Binds the request to the stream's parameters and starts the stream: the
    /// function's body, as a generator.
    async fn respond(
        event: ::h3rs::H3Event,
    ) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
        let response = ::h3rs::sse::Sse::new(&event);
        let events = ::h3rs::__private::stream! {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                yield ::h3rs::sse::SseEvent::from("Hello world");
            }
        };
        ::std::result::Result::Ok(response.stream(events))
    }
}
impl ::h3rs::Handler for clock {
    fn call(
        &self,
        event: ::h3rs::H3Event,
    ) -> ::h3rs::BoxFuture<'static, ::h3rs::Response> {
        let respond = Self::respond(event);
        ::std::boxed::Box::pin(async move {
            ::h3rs::IntoResponse::into_response(respond.await)
        })
    }
}
/// Ticks.
///
/// Registers `GET /clock`, server-sent events, on an app: `app.register(clock)`.
pub fn clock(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.get("/clock", clock {})
}
