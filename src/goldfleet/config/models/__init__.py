"""The pydantic models of goldfleet's YAML documents, one module per area; ``documents`` joins
them into the document union that the JSON Schema publishes."""
