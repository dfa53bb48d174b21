"""What a run cost, from a dated price table that lives in data (conformance/pricing.yaml).

Prices change and models come and go, so the table carries the date it was read and the
user can replace it; a model the table does not list is "unknown", never a guess. A cost
is only worth printing if the reader can tell where the numbers came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fnproof.core.datafile import load_yaml
from fnproof.core.errors import UsageError
from fnproof.core.paths import data_path

_DATED = re.compile(r"^(?P<base>.+)-\d{8}$")
USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


@dataclass(frozen=True, slots=True)
class Price:
    input: float
    output: float
    cache_write: float | None = None
    cache_read: float | None = None
    max_prompt_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class PriceTable:
    taken: str
    source: str
    currency: str
    batch_discount: float
    models: dict[str, Price]

    def lookup(self, model: str) -> Price | None:
        if model in self.models:
            return self.models[model]
        match = _DATED.match(model)
        return self.models.get(match["base"]) if match else None

    def describe(self, model: str) -> str:
        price = self.lookup(model)
        if price is None:
            return f"{model} is not in the price table ({self.source}, {self.taken})"
        return (f"{model} at {_money(price.input)}/{_money(price.output)} per MTok in/out, "
                f"prices of {self.taken}")


def _money(value: float) -> str:
    return f"${value:g}"


def default_pricing_path() -> Path:
    return data_path("conformance", "pricing.yaml")


def load_pricing(path: Path | None = None) -> PriceTable:
    data = load_yaml(path or default_pricing_path(), "pricing.schema.json")
    models = {name: Price(**spec) for name, spec in data["models"].items()}
    return PriceTable(str(data["taken"]), data["source"], data["currency"], float(data.get("batch_discount", 1.0)),
                      models)


def override(table: PriceTable, model: str, spec: str) -> PriceTable:
    """`--price 3,15`: input and output USD per MTok for this run's model, from the command line."""
    parts = spec.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 2 or any(v < 0 for v in values):
        raise UsageError(f"--price {spec!r}: write INPUT,OUTPUT in {table.currency} per million tokens, e.g. 3,15")
    models = dict(table.models)
    models[model] = Price(values[0], values[1])
    return PriceTable("given with --price", "the command line", table.currency, table.batch_discount, models)


def cost(table: PriceTable, model: str | None, usage: dict[str, int], *, batch: bool) -> float | None:
    """USD for one request, or None when the table cannot price it."""
    price = table.lookup(model) if model else None
    if price is None:
        return None
    tokens = {key: int(usage.get(key) or 0) for key in USAGE_KEYS}
    prompt = tokens["input_tokens"] + tokens["cache_creation_input_tokens"] + tokens["cache_read_input_tokens"]
    if price.max_prompt_tokens is not None and prompt > price.max_prompt_tokens:
        return None
    total = tokens["input_tokens"] * price.input + tokens["output_tokens"] * price.output
    for key, rate in (("cache_creation_input_tokens", price.cache_write),
                      ("cache_read_input_tokens", price.cache_read)):
        if tokens[key]:
            if rate is None:
                return None
            total += tokens[key] * rate
    return total / 1_000_000 * (table.batch_discount if batch else 1.0)
