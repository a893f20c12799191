use h3rs::prelude::*;

#[get("/")]
async fn index<T: Default>() {}

h3rs::serve!(index);
