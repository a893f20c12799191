use h3rs::prelude::*;

#[get(/users/:id)]
async fn user(id: u64) -> String {
    format!("user {id}")
}

h3rs::serve!(user);
