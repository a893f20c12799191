use h3rs::prelude::*;

#[get("/")]
async fn index(_body: impl FromEvent) {}

h3rs::serve!(index);
