"""Drives `oura-sync mcp` with the official MCP Python SDK, as an assistant's host would.

    python tests/mcp_client.py BINARY WORKDIR CALLS_JSON

Starts BINARY `mcp` in WORKDIR over stdio (passing on every OURA_* and AWS_* variable of this
process, since the SDK hands a server only a few safe variables), initialises, lists the
tools, makes each call of CALLS_JSON (a list of {"tool": ..., "arguments": ...}), then asks
for a tool that does not exist. A second, raw session then sends what a broken client might
(a line that is not JSON, a request with malformed params) and checks the server still answers.
Prints one JSON document on stdout with everything seen; the Rust test (tests/it/mcp.rs)
checks it against what the fake Oura served.
"""

import asyncio
import json
import os
import subprocess
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError


def server_env():
    return {k: v for k, v in os.environ.items() if k.startswith(("OURA_", "AWS_")) or k == "RUST_LOG"}


async def session_run(binary, workdir, calls):
    params = StdioServerParameters(command=binary, args=["mcp"], env=server_env(), cwd=workdir)
    out = {}
    started = time.perf_counter()
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            out["init"] = {
                "ms": (time.perf_counter() - started) * 1000,
                "protocol_version": init.protocol_version,
                "server_name": init.server_info.name,
                "server_version": init.server_info.version,
                "instructions": init.instructions,
                "tools_capability": init.capabilities.tools is not None,
            }
            listed = await session.list_tools()
            out["tools"] = [
                {
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                    "read_only": bool(t.annotations and t.annotations.read_only_hint),
                }
                for t in listed.tools
            ]
            out["calls"] = []
            for call in calls:
                t = time.perf_counter()
                result = await session.call_tool(call["tool"], call.get("arguments"), read_timeout_seconds=60)
                texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
                out["calls"].append(
                    {
                        "tool": call["tool"],
                        "arguments": call.get("arguments"),
                        "ms": (time.perf_counter() - t) * 1000,
                        "is_error": bool(result.is_error),
                        "structured": result.structured_content,
                        "text": "\n".join(texts),
                    }
                )
            try:
                await session.call_tool("sleep_advice", {})
                out["unknown_tool"] = {"raised": False}
            except MCPError as e:
                out["unknown_tool"] = {"raised": True, "code": e.error.code, "message": e.error.message}
            # The session still answers after all that.
            await session.send_ping()
            out["ping_after"] = True
    return out


def raw_session(binary, workdir):
    """Sends lines no SDK would: a line that is not JSON, a valid initialize, calls whose
    params are malformed, then a list and a call, without any login; records each answer line
    (at most 10 s in all)."""
    # No login at all: the server must not need one.
    env = {k: v for k, v in os.environ.items() if k != "OURA_ACCESS_TOKEN"}
    env["OURA_TOKENS_FILE"] = os.path.join(workdir, "no-such-tokens.json")
    proc = subprocess.Popen(
        [binary, "mcp"], cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    lines = [
        b"{this is not json\n",
        (json.dumps(init) + "\n").encode(),
        (json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n").encode(),
        (json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": 5}}) + "\n").encode(),
        (json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "daily_summary", "arguments": "2026-11-01"}}) + "\n").encode(),
        (json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}) + "\n").encode(),
        (json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "lake_status", "arguments": {}}}) + "\n").encode(),
    ]
    try:
        stdout, stderr = proc.communicate(b"".join(lines), timeout=10)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        timed_out = True
    answers = []
    for line in stdout.decode().splitlines():
        try:
            answers.append(json.loads(line))
        except ValueError:
            answers.append({"unparsed": line})
    return {"answers": answers, "exit_code": proc.returncode, "timed_out": timed_out, "stderr": stderr.decode()[-2000:]}


def main():
    binary, workdir, calls_path = sys.argv[1:4]
    with open(calls_path) as f:
        calls = json.load(f)
    out = asyncio.run(session_run(binary, workdir, calls))
    out["raw"] = raw_session(binary, workdir)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
