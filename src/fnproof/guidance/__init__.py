"""Guidance for people and for Claude Code: the rules (CLAUDE.md) and the checklists.

Reads the check registry (rules and checklist items cite check ids); imports nothing above.
"""
