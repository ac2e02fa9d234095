"""Agent presence: MCP sessions, work intervals and progress checkpoints (spec files 000-002)."""
