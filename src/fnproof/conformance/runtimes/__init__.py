"""Runtimes: a Runtime makes fresh execution environments that answer Requests.

`registry.py` holds one record per runtime (detection, handler discovery, construction,
packages, default target); each platform lives in its own folder or module.
"""
