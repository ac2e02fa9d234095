"""The MCP server at /mcp: agents report presence and work the board through tools."""
