"""Tenancy: orgs, workspaces, projects, users, tokens, and who may see what."""
