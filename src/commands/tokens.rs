//! `oura-sync tokens move`: moves the login into another token store (see
//! [`crate::auth::store::moving`]) and says what to set next.

use crate::auth::TokenStore;
use crate::auth::store::moving::{Moved, move_login};
use crate::config::{Config, MoveConfig};
use crate::error::EXIT_OK;

/// Moves the login and prints where it went, never a token.
pub async fn exec(config: &Config, moving: &MoveConfig) -> anyhow::Result<u8> {
    let aws = super::Aws::new(&config.aws);
    let from_uri = moving.from.as_ref().unwrap_or(&config.token_store);
    let from = super::open_store(from_uri, &aws).await?;
    let to = super::open_store(&moving.to, &aws).await?;
    let uri = moving.to.to_string();
    let done = move_login(&from, &to, &uri, moving.force).await?;
    let how = match done {
        Moved::Now => "Moved the Oura login",
        Moved::Finished => "Finished moving the Oura login (it was there already)",
    };
    let next = match &moving.to {
        crate::auth::store::StoreUri::File(path) => {
            format!("unset OURA_TOKEN_STORE and set OURA_TOKENS_FILE={} to use it", path.display())
        }
        _ => format!("set OURA_TOKEN_STORE={uri} (and unset OURA_TOKENS_FILE) to use it"),
    };
    crate::stdout::print(&format!(
        "{how} from the {} to the {}; the {} holds no token now.\nNext: {next}.\n",
        from.describe(),
        to.describe(),
        from.describe()
    ))?;
    Ok(EXIT_OK)
}
