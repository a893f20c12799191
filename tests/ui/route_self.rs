use h3rs::prelude::*;

struct Users;

impl Users {
    #[get("/users")]
    async fn list(&self) {}
}

fn main() {
    let _ = Users.list();
}
