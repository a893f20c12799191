// Expansion of:
//
// routes![index, user, Chat::new(db),];
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

fn snapshot() {
    let expansion = ::h3rs::Routes::new().with(index).with(user).with(Chat::new(db));
}
