// Expansion of:
//
// serve!(index, user, Chat::new(db().await));
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

fn main() -> ::std::process::ExitCode {
    ::h3rs::run(async {
        ::h3rs::H3::new().register(index).register(user).register(Chat::new(db().await))
    })
}
