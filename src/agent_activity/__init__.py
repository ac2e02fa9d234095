"""Agent Activity: what a team's AI agents are doing."""
