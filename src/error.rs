//! The errors a caller branches on to pick an exit code (CONTRACT §6), and the one mapping
//! from an outcome (an error, or a finished run) to its exit code.
//!
//! Everything else travels as `anyhow::Error` with context; `main` finds these two kinds
//! anywhere in the chain and exits 2 or 3, and exits 1 for the rest.

/// A failure that needs the user to act before anything can run.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A bad argument, setting or destination, found before any data moved: exit 2.
    #[error("{0}")]
    Usage(String),
    /// No usable login (no token, or the refresh token was refused): exit 3.
    #[error("{0}")]
    LoginNeeded(String),
}

impl UserError {
    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        UserError::Usage(message.into()).into()
    }

    pub fn login_needed(message: impl Into<String>) -> anyhow::Error {
        UserError::LoginNeeded(message.into()).into()
    }
}

/// Exit code: 0 ok.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one type failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: usage or configuration error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: login needed.
pub const EXIT_LOGIN: u8 = 3;

/// The exit code for an error that ended a command.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        match cause.downcast_ref::<UserError>() {
            Some(UserError::Usage(_)) => return EXIT_USAGE,
            Some(UserError::LoginNeeded(_)) => return EXIT_LOGIN,
            None => {}
        }
    }
    EXIT_FAILED
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;

    #[test]
    fn the_kind_is_found_under_context() {
        let err = Err::<(), _>(UserError::usage("bad date")).context("while parsing").unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        assert_eq!(exit_code(&UserError::login_needed("run auth")), EXIT_LOGIN);
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), EXIT_FAILED);
    }
}
