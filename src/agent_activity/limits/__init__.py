"""Bounds on what one HTTP request may cost: its body size, how long its parts may take."""
