//! Prints the screen's precision and recall on the fixture set:
//! `cargo run -p kho-screen --example measure`.

#[path = "../tests/measure/mod.rs"]
mod measure;

fn main() {
    print!("{}", measure::table(&measure::measure()));
}
