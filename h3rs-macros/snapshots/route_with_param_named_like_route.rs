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
#[derive(Clone, Copy, Debug)]
pub struct note {}
#[allow(dead_code)]
impl note {
    /// The handler as written: `GET /notes/:note`.
    pub async fn handler(note: u64, notes: State<Notes>) -> Option<String> {
        let note = notes.get(note)?;
        match note.text() {
            Some(note) => Some(note.to_owned()),
            None => None,
        }
    }
    /// Binds the request to the handler's parameters and calls it.
    ///
    /// # Errors
    ///
    /// The error of the first parameter that cannot be bound from the request.
    pub async fn call(
        mut event: ::h3rs::H3Event,
    ) -> ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError> {
        let note: u64 = event.param("note")?;
        let notes = <State<Notes> as ::h3rs::FromEvent>::from_event(&mut event).await?;
        ::std::result::Result::Ok(Self::handler(note, notes).await)
    }
}
/// Registers `GET /notes/:note` on an app: `app.register(note)`.
pub fn note(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::GET, "/notes/:note", note::call)
}
