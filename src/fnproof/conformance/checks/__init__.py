"""The built-in check catalogue of CONTRACT.md §3, in catalogue order."""

from fnproof.conformance.checks import basics, shapes, keys, logs, durability, auth  # noqa: F401
