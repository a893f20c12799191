// Expansion of:
//
// yielding! {
//     #[sse("/rooms/:room", keep_alive = 30)]
//     async fn room(room: u64, last: LastEventId, event: &H3Event) -> Result<(), HttpError> {
//         let mut next = last.parse::<u64>().map_or(0, |seen| seen + 1);
//         let messages = Messages::of(event).since(room, next).await?;
//         if messages.is_empty() {
//             return Err(HttpError::not_found("no such room"));
//         }
//         for message in messages {
//             yield SseEvent::new(message.text).id(next.to_string());
//             next += 1;
//         }
//         tokio::select! {
//             _ = tokio::time::sleep(Duration::from_secs(1)) => yield "still here",
//         }
//         Ok(())
//     }
//
//     #[sse("/quiet", keep_alive = false)]
//     async fn quiet() {
//         yield Json(Status::default());
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[allow(dead_code, non_camel_case_types)]
struct room {}
#[allow(dead_code)]
impl room {
    /// Binds the request to the stream's parameters and starts the stream: the
    /// function's body, as a generator.
    async fn respond(
        mut event: ::h3rs::H3Event,
    ) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
        let room: u64 = event.param("room")?;
        let last = <LastEventId as ::h3rs::extract::Extract<_>>::extract(&mut event)
            .await?;
        let response = ::h3rs::sse::Sse::new(&event)
            .keep_alive(::std::time::Duration::from_secs(30));
        let events = ::h3rs::__private::try_stream! {
            let event = &event;
            let mut next = last.parse::<u64>().map_or(0, |seen| seen + 1);
            let messages = Messages::of(event).since(room, next).await?;
            if messages.is_empty() {
                let ended: Result<(), HttpError> = Err(HttpError::not_found("no such room"));
                ended?;
                return;
            }
            for message in messages {
                yield ::h3rs::sse::SseEvent::from(
                    SseEvent::new(message.text).id(next.to_string()),
                );
                next += 1;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => yield
                ::h3rs::sse::SseEvent::from("still here"),
            }
        };
        ::std::result::Result::Ok(
            response
                .try_stream(
                    ::h3rs::__private::returning::<Result<(), HttpError>, _>(events),
                ),
        )
    }
}
impl ::h3rs::Handler for room {
    fn call(
        &self,
        event: ::h3rs::H3Event,
    ) -> ::h3rs::BoxFuture<'static, ::h3rs::Response> {
        let respond = Self::respond(event);
        ::std::boxed::Box::pin(async move {
            ::h3rs::IntoResponse::into_response(respond.await)
        })
    }
    fn requires(&self, requirements: &mut ::h3rs::Requirements) {
        <LastEventId as ::h3rs::extract::Extract<_>>::requires(requirements);
    }
}
/// Registers `GET /rooms/:room`, server-sent events, on an app: `app.register(room)`.
fn room(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.get("/rooms/:room", room {})
}
#[allow(dead_code, non_camel_case_types)]
struct quiet {}
#[allow(dead_code)]
impl quiet {
    /// Binds the request to the stream's parameters and starts the stream: the
    /// function's body, as a generator.
    async fn respond(
        event: ::h3rs::H3Event,
    ) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
        let response = ::h3rs::sse::Sse::new(&event).no_keep_alive();
        let events = ::h3rs::__private::stream! {
            yield ::h3rs::sse::SseEvent::from(Json(Status::default()));
        };
        ::std::result::Result::Ok(response.stream(events))
    }
}
impl ::h3rs::Handler for quiet {
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
/// Registers `GET /quiet`, server-sent events, on an app: `app.register(quiet)`.
fn quiet(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.get("/quiet", quiet {})
}
