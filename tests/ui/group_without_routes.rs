#[h3rs::group]
mod api {
    pub fn helper() {}
}

fn main() {
    api::helper();
}
