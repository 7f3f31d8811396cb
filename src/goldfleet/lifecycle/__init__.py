"""The lifecycle stages as durable workflows. Importing this package declares every workflow,
step and queue, which is what a worker needs before it starts."""

from goldfleet.lifecycle import apply as apply
from goldfleet.lifecycle import dr as dr
from goldfleet.lifecycle import rollout as rollout
