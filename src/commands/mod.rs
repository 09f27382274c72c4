//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod auth;
pub mod dashboard;
pub mod doctor;
pub mod help;
pub mod interrupt;
pub mod refresh;
pub mod silver;
pub mod status;
pub mod sync;

pub use crate::aws::Aws;
pub use crate::store::lake::{backends, silver_backend};
