"""A project's tickets: the cards of its board."""
