"""Schemathesis hooks for `make contract` (loaded by name through schemathesis.toml).

A tus chunk is sent as `application/offset+octet-stream`: bytes, serialised as schemathesis
serialises `application/octet-stream`.
"""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
