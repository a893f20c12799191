use h3rs::prelude::*;

struct Page;

#[get("/")]
async fn index() -> Page {
    Page
}

h3rs::serve!(index);
