use h3rs::prelude::*;

#[get("/users/:user-id")]
async fn user() {}

h3rs::serve!(user);
