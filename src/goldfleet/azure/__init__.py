"""The only part of goldfleet that imports the Azure SDK: clouds, credentials, clients, errors."""
