use h3rs::prelude::*;

#[sse("/clock")]
async fn clock() {
    yield "tick";
}

h3rs::serve!(clock);
