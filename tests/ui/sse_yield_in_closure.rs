h3rs::yielding! {
    #[sse("/numbers")]
    async fn numbers() {
        let numbers = vec![1, 2, 3];
        numbers.iter().for_each(|n| {
            yield n.to_string();
        });
    }
}

h3rs::serve!(numbers);
