//! Library behind `cargo xtask`; the binary only parses arguments and dispatches here.

pub mod spec;
