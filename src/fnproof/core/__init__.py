"""The kit's foundation: errors, where data lives, the one data-file loader, the contract.

Imports nothing else of fnproof, so every other part can rely on it.
"""
