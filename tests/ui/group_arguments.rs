#[h3rs::group("/api")]
mod api {
    use h3rs::prelude::*;

    #[get("/users")]
    pub async fn users() {}
}

h3rs::serve!(api::users);
