"""The request log: every API request and MCP tool call becomes an activity record."""
