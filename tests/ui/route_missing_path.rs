use h3rs::prelude::*;

#[get]
async fn index() {}

h3rs::serve!(index);
