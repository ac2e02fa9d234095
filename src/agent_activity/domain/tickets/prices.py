"""What a model's tokens cost, for agents that report tokens but no cost (Codex reports none).

Prices are USD per million tokens, as the vendors list them for their standard (not batch)
tier; a model is priced by the longest prefix of its name found here, so a dated or point
release (``claude-sonnet-4-5-20250929``, ``gpt-5.1-codex``) takes its family's price. A cost
the agent reported always wins over this table; a model not found here costs nothing and its
tokens are still counted (docs/tickets.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_read: float
    cache_creation: float


PRICES: dict[str, Price] = {
    "claude-opus": Price(15.0, 75.0, 1.5, 18.75),
    "claude-opus-4-5": Price(5.0, 25.0, 0.5, 6.25),
    "claude-opus-5": Price(5.0, 25.0, 0.5, 6.25),
    "claude-sonnet": Price(3.0, 15.0, 0.3, 3.75),
    "claude-haiku": Price(1.0, 5.0, 0.1, 1.25),
    "claude-3-5-haiku": Price(0.8, 4.0, 0.08, 1.0),
    # OpenAI charges nothing extra to write its cache: cache creation is priced as input.
    "gpt-5": Price(1.25, 10.0, 0.125, 1.25),
    "gpt-5-mini": Price(0.25, 2.0, 0.025, 0.25),
    "gpt-5-nano": Price(0.05, 0.4, 0.005, 0.05),
    "gpt-4.1": Price(2.0, 8.0, 0.5, 2.0),
    "gpt-4.1-mini": Price(0.4, 1.6, 0.1, 0.4),
    "o3": Price(2.0, 8.0, 0.5, 2.0),
    "o4-mini": Price(1.1, 4.4, 0.275, 1.1),
    "gemini-2.5-pro": Price(1.25, 10.0, 0.31, 1.25),
    "gemini-2.5-flash": Price(0.3, 2.5, 0.075, 0.3),
}
_BY_LENGTH = sorted(PRICES, key=len, reverse=True)


def price_of(model: str) -> Price | None:
    name = model.lower()
    return next((PRICES[prefix] for prefix in _BY_LENGTH if name.startswith(prefix)), None)


def priced_cost(
    model: str | None, input: int, output: int, cache_read: int, cache_creation: int
) -> float:
    """The listed cost of these tokens on ``model``; 0.0 for a model the table does not know."""
    price = price_of(model) if model else None
    if price is None:
        return 0.0
    return (
        input * price.input
        + output * price.output
        + cache_read * price.cache_read
        + cache_creation * price.cache_creation
    ) / 1_000_000
