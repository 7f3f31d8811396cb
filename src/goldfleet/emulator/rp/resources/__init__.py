"""Microsoft.Resources: cloud metadata, tenants, subscriptions, locations, resource groups,
resource provider registration, and ARM's own operation results."""
