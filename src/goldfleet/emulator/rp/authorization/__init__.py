"""Microsoft.Authorization: role definitions and role assignments, and the RBAC check."""
