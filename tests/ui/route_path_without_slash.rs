use h3rs::prelude::*;

#[get("users")]
async fn users() {}

h3rs::serve!(users);
