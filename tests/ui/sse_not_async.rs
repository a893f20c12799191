h3rs::yielding! {
    #[sse("/clock")]
    fn clock() {
        yield "tick";
    }
}

h3rs::serve!(clock);
