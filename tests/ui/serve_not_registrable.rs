async fn index() -> &'static str {
    "index"
}

h3rs::serve!(index());
