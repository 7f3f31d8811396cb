"""Entra ID, emulated: tenants, app registrations, service principals (consent) and tokens."""
