"""Versioned prompt templates: the catalogue, the template language, the contract rendered
as prompt text, and lint. Sits above guidance (prompts render the rules)."""
