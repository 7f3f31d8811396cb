"""Microsoft.Compute's gallery resource provider (Azure Compute Gallery): galleries, image
definitions and image versions, replication in simulated time, direct sharing and community
galleries, and Compute's own throttling. See docs/emulator/compute-gallery.md."""
