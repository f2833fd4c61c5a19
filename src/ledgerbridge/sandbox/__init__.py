"""Pieces every sandbox shares: fault injection, a token bucket, a request log, and a server runner.

A sandbox is a local emulator of one external API (an ASGI app in ``systems/<name>/sandbox``). This
package holds only what is the same for all of them, so each sandbox module is about its API alone.
"""

from ledgerbridge.sandbox.faults import FaultPlan, SandboxKit
from ledgerbridge.sandbox.ratelimit import TokenBucket
from ledgerbridge.sandbox.server import SandboxServer, serve_forever

__all__ = ["FaultPlan", "SandboxKit", "SandboxServer", "TokenBucket", "serve_forever"]
