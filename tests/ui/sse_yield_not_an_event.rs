struct Reading {
    celsius: f64,
}

h3rs::yielding! {
    #[sse("/temperature")]
    async fn temperature() {
        yield Reading { celsius: 21.5 };
    }
}

h3rs::serve!(temperature);
