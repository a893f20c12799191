use h3rs::prelude::*;

#[get("/files/**:path/raw")]
async fn raw() {}

h3rs::serve!(raw);
