"""Microsoft.ManagedIdentity: user-assigned managed identities (each one a service principal)."""
