"""The OTLP/HTTP receiver: coding agents' logs, spans and metrics become activity records."""
