"""Every query and every rule: plain async functions over a session, with no HTTP and no MCP."""
