// Expansion of:
//
// #[h3rs::group]
// pub mod api {
//     use h3rs::prelude::*;
//
//     #[get("/users")]
//     pub async fn users() -> Json<Vec<User>> {
//         Json(User::all().await)
//     }
//
//     #[h3rs::post("/users")]
//     pub async fn create(user: Json<User>) -> StatusCode {
//         user.0.save().await
//     }
//
//     fn helper() {}
//
//     pub struct Chat;
//
//     #[websocket("/_ws")]
//     impl Chat {}
//
//     #[h3rs::group]
//     mod admin {
//         #[delete("/users/:id")]
//         async fn delete_user(id: u64) {}
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

pub mod api {
    use h3rs::prelude::*;
    #[get("/users")]
    pub async fn users() -> Json<Vec<User>> {
        Json(User::all().await)
    }
    #[h3rs::post("/users")]
    pub async fn create(user: Json<User>) -> StatusCode {
        user.0.save().await
    }
    fn helper() {}
    pub struct Chat;
    #[websocket("/_ws")]
    impl Chat {}
    #[h3rs::group]
    mod admin {
        #[delete("/users/:id")]
        async fn delete_user(id: u64) {}
    }
    /// Every route of `mod api`, to register or mount.
    pub fn routes() -> ::h3rs::Routes {
        ::h3rs::Routes::new().with(users).with(create).with(Chat).with(admin::routes())
    }
}
