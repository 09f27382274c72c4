//! The README's shell blocks that a reader is meant to run, found by their marker (an HTML
//! comment `<!-- readme-test: NAME -->` on the line before the block), so a test runs the
//! block exactly as the README prints it.

/// The body of the shell block marked `name` in README.md.
pub fn block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let marker = format!("<!-- readme-test: {name} -->\n```sh\n");
    let start = readme.find(&marker).unwrap_or_else(|| panic!("README has no block {name}"));
    let body = &readme[start + marker.len()..];
    body[..body.find("\n```").expect("the block ends")].to_string() + "\n"
}
