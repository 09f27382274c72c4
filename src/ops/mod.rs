//! Library operations: what a command does once its configuration is resolved and its
//! backends are built, with no printing and no exit codes of its own.

pub mod athena;
pub mod migrate;
pub mod repair;
pub mod sync;
