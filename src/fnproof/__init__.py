"""fnproof: prompts, rules and conformance checks for serverless handlers written by Claude Code."""

__version__ = "0.1.0"
