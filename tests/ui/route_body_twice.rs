use h3rs::prelude::*;

#[derive(serde::Deserialize)]
struct Item {
    name: String,
}

#[post("/items")]
async fn create(Json(item): Json<Item>, note: String) -> String {
    format!("{} ({note})", item.name)
}

h3rs::serve!(create);
