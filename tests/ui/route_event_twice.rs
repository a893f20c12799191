use h3rs::prelude::*;

#[get("/")]
async fn index(_event: &H3Event, _again: &mut H3Event) {}

h3rs::serve!(index);
