"""The planner: desired state + observed state -> a plan. Pure and deterministic: no I/O, no
clock, no randomness; the same inputs give the same plan, byte for byte."""

from goldfleet.planner.diff import make_plan
from goldfleet.planner.model import Action, Change, Plan, PlanError

__all__ = ["Action", "Change", "Plan", "PlanError", "make_plan"]
