// Expansion of:
//
// app![index, user, api::routes()];
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

fn snapshot() {
    let expansion = ::h3rs::H3::new()
        .register(index)
        .register(user)
        .register(api::routes());
}
