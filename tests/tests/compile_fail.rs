//! The macros' compile errors as users see them: each `ui/*.rs` must fail to build with the
//! output in its `ui/*.stderr`. `TRYBUILD=overwrite cargo test -p h3rs-tests --test
//! compile_fail` rewrites the `.stderr` files; review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
