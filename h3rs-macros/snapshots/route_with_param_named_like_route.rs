// Expansion of:
//
// #[get("/notes/:note")]
// pub async fn note(note: u64, notes: State<Notes>) -> Option<String> {
//     let note = notes.get(note)?;
//     match note.text() {
//         Some(note) => Some(note.to_owned()),
//         None => None,
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[allow(dead_code, non_camel_case_types)]
pub struct note {}
#[allow(dead_code)]
impl note {
    /// The function as written: `GET /notes/:note`.
    pub async fn function(note: u64, notes: State<Notes>) -> Option<String> {
        let note = notes.get(note)?;
        match note.text() {
            Some(note) => Some(note.to_owned()),
            None => None,
        }
    }
    /// Binds the request to the function's parameters and calls it.
    fn respond(
        mut event: ::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
    > + use<> {
        async move {
            let note: u64 = event.param("note")?;
            let notes = <State<
                Notes,
            > as ::h3rs::extract::Extract<_>>::extract(&mut event)
                .await?;
            ::std::result::Result::Ok(Self::function(note, notes).await)
        }
    }
}
impl ::h3rs::Handler for note {
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
        <State<Notes> as ::h3rs::extract::Extract<_>>::requires(requirements);
    }
}
/// Registers `GET /notes/:note` on an app: `app.register(note)`.
pub fn note(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::GET, "/notes/:note", note {})
}
