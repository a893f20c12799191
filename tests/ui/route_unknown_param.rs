use h3rs::prelude::*;

#[get("/users/:id")]
async fn user(user_id: u64) -> String {
    format!("user {user_id}")
}

h3rs::serve!(user);
