use h3rs::prelude::*;

#[get("/hello/:name")]
async fn hello(name: &str) -> String {
    format!("Hello, {name}!")
}

h3rs::serve!(hello);
