use h3rs::prelude::*;
use h3rs::FromBody;

/// A body extractor of the app's own.
struct Csv(Vec<String>);

impl FromBody for Csv {
    async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
        let text = String::from_body(event).await?;
        Ok(Csv(text.split(',').map(str::to_owned).collect()))
    }
}

#[post("/rows")]
async fn rows(csv: Csv, method: Method) -> String {
    format!("{method}: {} rows", csv.0.len())
}

h3rs::serve!(rows);
