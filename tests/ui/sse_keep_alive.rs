h3rs::yielding! {
    #[sse("/clock", keep_alive = "30s")]
    async fn clock() {
        yield "tick";
    }
}

h3rs::serve!(clock);
