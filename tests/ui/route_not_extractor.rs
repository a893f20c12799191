use h3rs::prelude::*;

struct Paging {
    page: u32,
}

#[get("/items")]
async fn items(paging: Paging) -> String {
    format!("page {}", paging.page)
}

h3rs::serve!(items);
