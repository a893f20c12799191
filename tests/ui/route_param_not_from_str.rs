use h3rs::prelude::*;

struct UserId(u64);

#[get("/users/:id")]
async fn user(id: UserId) -> String {
    format!("user {}", id.0)
}

h3rs::serve!(user);
