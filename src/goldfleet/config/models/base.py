"""What every configuration model shares: camelCase keys only, unknown keys rejected, field
docstrings as schema descriptions; and ``metadata`` (name and labels)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from goldfleet.config.fields import Name

API_VERSION = "goldfleet/v1"


class ConfigModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        frozen=True,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,
    )


class Metadata(ConfigModel):
    name: Name
    """goldfleet's name for this object, unique per kind; other documents refer to it."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Free-form labels; rings select tenants by them."""
