use h3rs::prelude::*;

h3rs::yielding! {
    #[sse("/count")]
    async fn count() -> Result<u32, HttpError> {
        yield "one";
        Ok(1)
    }
}

h3rs::serve!(count);
