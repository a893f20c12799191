use h3rs::prelude::*;

#[post("/echo")]
async fn echo(body: &Json<String>) -> String {
    body.0.clone()
}

h3rs::serve!(echo);
