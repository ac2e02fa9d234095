"""Telemetry from agents (OTLP): storing its records, joining its sessions to MCP sessions,
attributing it to tickets, and keeping its metrics as per-session totals."""
