"""Microsoft Graph, emulated: directory reads (service principals, applications, users, groups)
for the caller's own tenant, enough for ``az ad sp show`` and for ``az role assignment`` to find
and name principals.

The cloud metadata's ``microsoftGraphResourceId`` points Graph at the emulator's own address,
which is therefore both Graph's URL and the token audience Graph requires. What is implemented
and how it differs from Graph is on docs/emulator/graph.md.
"""

from goldfleet.emulator.graph.routes import GRAPH_AUDIENCES, register

__all__ = ["GRAPH_AUDIENCES", "register"]
