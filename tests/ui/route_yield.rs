use h3rs::prelude::*;

#[get("/clock")]
async fn clock() -> &'static str {
    yield "tick";
    "done"
}

h3rs::serve!(clock);
