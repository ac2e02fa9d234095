"""Project agent activity (spec files 000-002) and the project's tickets, at /api/projects."""
