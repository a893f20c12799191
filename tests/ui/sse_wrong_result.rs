h3rs::yielding! {
    #[sse("/count")]
    async fn count() -> u32 {
        yield "one";
        1
    }
}

h3rs::serve!(count);
