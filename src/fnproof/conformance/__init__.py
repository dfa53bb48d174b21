"""Conformance: run a handler in a real local runtime and prove its contract.

http (what checks send and get) -> services (local stores, caches) -> runtimes (environments)
-> checks (the catalogue) -> runner, report, pytest_plugin. Imports only fnproof.core.
"""
