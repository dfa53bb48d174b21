"""The built-in check catalogue of CONTRACT.md §3.

`FAMILIES` fixes the catalogue's order (a family's checks keep the order they are written
in), so the order never depends on which module happened to be imported first.
"""

from fnproof.conformance.checks import auth, basics, durability, keys, logs, shapes

FAMILIES = (basics, shapes, keys, logs, durability, auth)
