use h3rs::prelude::*;

#[get("/rooms/:room")]
async fn room(rooom: String) -> String {
    format!("room={rooom}")
}

h3rs::serve!(room);
