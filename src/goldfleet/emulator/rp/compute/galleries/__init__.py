"""Azure Compute Gallery (the GalleryRP API group): galleries, image definitions, image
versions, their replication in simulated time, direct sharing, community galleries, what
consumers read, versions leaving (soft delete, `latest`) and Compute's throttling of gallery
operations. See docs/emulator/compute-gallery.md."""
