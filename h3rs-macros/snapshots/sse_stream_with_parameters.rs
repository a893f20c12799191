// Expansion of:
//
// yielding! {
//     #[sse("/rooms/:room", keep_alive = 30)]
//     async fn room(room: u64, last: LastEventId, event: &H3Event) -> Result<(), HttpError> {
//         let mut next = last.parse::<u64>().map_or(0, |seen| seen + 1);
//         let messages = Messages::of(event).since(room, next).await?;
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
#[derive(Clone, Copy, Debug)]
struct room {}
#[allow(dead_code)]
impl room {
    /// The event stream as written (`GET /rooms/:room`, server-sent events, each `yield value` made `events.send(value).await`).
    async fn handler(
        events: ::h3rs::sse::Yielder,
        room: u64,
        last: LastEventId,
        event: &H3Event,
    ) -> Result<(), HttpError> {
        let mut next = last.parse::<u64>().map_or(0, |seen| seen + 1);
        let messages = Messages::of(event).since(room, next).await?;
        for message in messages {
            events.send(SseEvent::new(message.text).id(next.to_string())).await;
            next += 1;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => events.send("still here").
            await,
        }
        Ok(())
    }
    /// Binds the request to the stream's parameters and starts the stream.
    ///
    /// # Errors
    ///
    /// The error of the first parameter that cannot be bound from the request.
    async fn call(
        mut event: ::h3rs::H3Event,
    ) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
        let room: u64 = event.param("room")?;
        let last = <LastEventId as ::h3rs::FromEvent>::from_event(&mut event).await?;
        let response = ::h3rs::sse::Sse::new(&event)
            .keep_alive(::std::time::Duration::from_secs(30));
        let stream = ::h3rs::sse::Generator::new(move |events| async move {
            Self::handler(events, room, last, &event).await
        });
        ::std::result::Result::Ok(response.stream(stream))
    }
}
/// Registers `GET /rooms/:room`, server-sent events, on an app: `app.register(room)`.
fn room(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.get("/rooms/:room", room::call)
}
#[allow(dead_code, non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
struct quiet {}
#[allow(dead_code)]
impl quiet {
    /// The event stream as written (`GET /quiet`, server-sent events, each `yield value` made `events.send(value).await`).
    async fn handler(events: ::h3rs::sse::Yielder) {
        events.send(Json(Status::default())).await;
    }
    /// Binds the request to the stream's parameters and starts the stream.
    ///
    /// # Errors
    ///
    /// Never: no parameter is bound from the request.
    async fn call(
        event: ::h3rs::H3Event,
    ) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
        let response = ::h3rs::sse::Sse::new(&event).no_keep_alive();
        let stream = ::h3rs::sse::Generator::new(move |events| async move {
            Self::handler(events).await
        });
        ::std::result::Result::Ok(response.stream(stream))
    }
}
/// Registers `GET /quiet`, server-sent events, on an app: `app.register(quiet)`.
fn quiet(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.get("/quiet", quiet::call)
}
