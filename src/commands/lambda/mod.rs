//! Lambda mode: when `AWS_LAMBDA_RUNTIME_API` is set, the binary is a custom-runtime
//! bootstrap (`provided.al2023`) served by the `lambda_runtime` crate, not the command line.
//!
//! At the start the settings are read from the function's environment and checked exactly as
//! `oura-sync sync` checks them, plus what a function may write to ([`place`]); a bad one is
//! posted to the Runtime API's `/runtime/init/error`, naming it, and the process exits (Lambda
//! reports the init failure to the invoker). Then each event is one sync ([`function`],
//! [`event`]), stopped cleanly before the invocation's deadline ([`deadline`]).
//!
//! Everything Lambda-only lives here, so one `#[cfg]` on this module gates it.

pub mod deadline;
pub mod event;
pub mod function;
pub mod place;

use std::sync::Arc;

use lambda_runtime::Diagnostic;
use lambda_runtime_api_client::body::Body;

use crate::config::EnvSnapshot;
use crate::error::{EXIT_FAILED, exit_code};
use function::Function;

/// The variable Lambda sets for a custom runtime: where its Runtime API listens.
pub const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";

/// The variables `lambda_runtime` needs besides [`RUNTIME_API`] (Lambda sets them all).
const LAMBDA_VARIABLES: [&str; 3] =
    ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION"];

/// True if and only if this process was started by Lambda as a custom runtime.
pub fn requested() -> bool {
    std::env::var_os(RUNTIME_API).is_some_and(|v| !v.is_empty())
}

/// Serves invocations until Lambda stops the process; returns the exit code when the start
/// fails (after telling the Runtime API why) or the Runtime API goes away.
pub async fn serve() -> u8 {
    let function = match start() {
        Ok(function) => Arc::new(function),
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "Cannot start the function.");
            if let Err(post) = report_init_error(&function::diagnostic(&err)).await {
                tracing::error!(error = %post, "Cannot report the init error to Lambda.");
            }
            return exit_code(&err);
        }
    };
    let handler = lambda_runtime::service_fn(move |event| {
        let function = Arc::clone(&function);
        async move { function.invoke(event).await }
    });
    match lambda_runtime::Runtime::new(handler).run().await {
        Ok(()) => 0,
        Err(err) => {
            tracing::error!(error = %err, "The Lambda runtime stopped.");
            EXIT_FAILED
        }
    }
}

/// Lambda's own variables, then the settings.
fn start() -> anyhow::Result<Function> {
    if let Some(missing) = LAMBDA_VARIABLES.iter().find(|name| std::env::var_os(name).is_none()) {
        return Err(crate::error::UserError::usage(format!(
            "{missing} is not set: {RUNTIME_API} is set, so this is a Lambda custom runtime, and \
             Lambda sets both; unset {RUNTIME_API} to use the command line"
        )));
    }
    let env = EnvSnapshot::capture(None)?;
    Function::start(env, jiff::Timestamp::now())
}

/// Posts `diagnostic` to `/runtime/init/error`, as the Runtime API documents.
async fn report_init_error(diagnostic: &Diagnostic) -> Result<(), lambda_runtime::Error> {
    let client = lambda_runtime_api_client::Client::builder().build()?;
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", diagnostic.error_type.as_str())
        .body(Body::from(serde_json::to_vec(diagnostic)?))?;
    let response = client.call(request).await?;
    if !response.status().is_success() {
        return Err(format!("the Runtime API answered {}", response.status()).into());
    }
    Ok(())
}
