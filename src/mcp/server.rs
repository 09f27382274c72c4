//! The protocol side: an `rmcp` server handler that lists the tools and runs a call, on
//! stdin/stdout until the client closes it. A bad argument or a range outside the lake is a
//! tool result with `isError` (the assistant reads what is accepted); an unknown tool is a
//! protocol error, as the specification asks.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, ServiceExt};

use super::args::input_schema;
use super::lake::Lake;
use super::tools::{self, TOOLS};

/// The most bytes an answer may have; a larger one (which the tools' own bounds should never
/// let through) is an error asking for a shorter range, so that no answer floods a context.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// What the server tells the assistant at start.
const INSTRUCTIONS: &str = "Answers questions about the user's own Oura Ring data from their \
data lake (every record synced by oura-sync), read-only. Start with lake_status to see which \
days and types the lake holds; daily_summary gives per-day figures, compare two periods of one \
metric, records the raw Oura records, briefing the morning message of a day. Days are \
YYYY-MM-DD in the user's time zone; a period is {\"from\": day, \"to\": day}.";

/// The server: the lake, shared by concurrent calls.
#[derive(Clone)]
pub struct LakeServer {
    lake: Arc<Lake>,
}

impl LakeServer {
    pub fn new(lake: Lake) -> Self {
        Self { lake: Arc::new(lake) }
    }
}

/// The tools as listed to the client.
pub fn tool_list() -> Vec<Tool> {
    TOOLS
        .iter()
        .map(|(name, description)| {
            Tool::new(*name, *description, Arc::new(input_schema(name)))
                .annotate(ToolAnnotations::new().read_only(true).destructive(false))
        })
        .collect()
}

impl ServerHandler for LakeServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("oura-sync", env!("OURA_SYNC_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tool_list()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tool_list().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        let started = std::time::Instant::now();
        let Some(answer) = tools::call(&self.lake, &request.name, &arguments).await else {
            let names: Vec<&str> = TOOLS.iter().map(|(n, _)| *n).collect();
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{}`; the tools are {}", request.name, names.join(", ")),
                None,
            ));
        };
        tracing::debug!(tool = %request.name, ms = started.elapsed().as_millis() as u64, ok = answer.is_ok(), "Answered a tool call.");
        let result = match answer {
            Ok(value) if value.to_string().len() <= MAX_ANSWER_BYTES => {
                CallToolResult::structured(value)
            }
            Ok(_) => CallToolResult::error(vec![ContentBlock::text(format!(
                "the answer would be larger than {} KB; ask for a shorter range",
                MAX_ANSWER_BYTES / 1024
            ))]),
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.0)]),
        };
        Ok(result.into())
    }
}

/// Serves `lake` on stdin/stdout until the client closes the connection.
pub async fn serve(lake: Lake) -> anyhow::Result<()> {
    let running = LakeServer::new(lake)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| anyhow::anyhow!("the MCP client did not initialise the session: {e}"))?;
    running.waiting().await.map_err(|e| anyhow::anyhow!("the MCP session ended badly: {e}"))?;
    Ok(())
}
