use h3rs::prelude::*;

#[get("/search?q=rust")]
async fn search() {}

h3rs::serve!(search);
