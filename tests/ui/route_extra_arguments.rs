use h3rs::prelude::*;

#[get("/users", "/people")]
async fn users() {}

h3rs::serve!(users);
