"""Microsoft.DesktopVirtualization: host pools, application groups, workspaces, scaling plans,
session hosts and user sessions."""
