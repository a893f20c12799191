use h3rs::prelude::*;

#[get("/")]
struct Index;

fn main() {
    let _ = Index;
}
