use h3rs::prelude::*;

#[get("/teams/:id/users/:id")]
async fn member() {}

h3rs::serve!(member);
