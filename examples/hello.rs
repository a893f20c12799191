//! A tour of h3rs routing: text, HTML, JSON in and out, path parameters,
//! the query string, errors and app state.
//!
//! ```sh
//! cargo run --example hello            # http://127.0.0.1:3000
//! PORT=4000 cargo run --example hello
//! curl -i 127.0.0.1:3000/nope          # a JSON 404
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use h3rs::prelude::*;
use serde::{Deserialize, Serialize};

/// Notes kept in memory, shared by every request.
#[derive(Clone, Default)]
struct Notes(Arc<Mutex<HashMap<u64, Note>>>);

#[derive(Clone, Serialize, Deserialize)]
struct Note {
    text: String,
}

#[derive(Deserialize)]
struct Greeting {
    name: Option<String>,
}

/// Plain text.
#[get("/")]
async fn index() -> &'static str {
    "Hello from h3rs! Try /html, /hello/ada, /greet?name=ada, /notes/1, /nope"
}

/// HTML.
#[get("/html")]
async fn html() -> Html<&'static str> {
    Html("<!doctype html><h1>Hello from h3rs</h1>")
}

/// A path parameter, bound by name.
#[get("/hello/:name")]
async fn hello(name: String) -> String {
    format!("Hello, {name}!")
}

/// The query string.
#[get("/greet")]
async fn greet(query: Query<Greeting>) -> String {
    format!(
        "Greetings, {}!",
        query.name.as_deref().unwrap_or("stranger")
    )
}

/// JSON out, with a typed path parameter (`/notes/abc` is a 400) and a 404.
#[get("/notes/:id")]
async fn note(id: u64, State(notes): State<Notes>) -> Result<Json<Note>, HttpError> {
    let notes = notes.0.lock().unwrap();
    match notes.get(&id) {
        Some(note) => Ok(Json(note.clone())),
        None => Err(HttpError::not_found(format!("No note {id}"))),
    }
}

/// JSON in (a 415 without `content-type: application/json`, a 400 on bad JSON).
#[put("/notes/:id")]
async fn save_note(id: u64, State(notes): State<Notes>, Json(note): Json<Note>) -> StatusCode {
    notes.0.lock().unwrap().insert(id, note);
    StatusCode::NO_CONTENT
}

/// An error with data.
#[get("/teapot")]
async fn teapot() -> HttpError {
    HttpError::new(StatusCode::IM_A_TEAPOT, "I refuse to brew coffee")
        .with_data(serde_json::json!({ "try": "tea" }))
}

fn main() -> std::process::ExitCode {
    h3rs::run(async {
        let notes = Notes::default();
        notes.0.lock().unwrap().insert(
            1,
            Note {
                text: "Buy milk".into(),
            },
        );
        h3rs::app![index, html, hello, greet, note, save_note, teapot].state(notes)
    })
}
