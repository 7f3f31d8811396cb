"""The documents themselves: ``apiVersion: goldfleet/v1``, ``kind``, ``metadata``, ``spec``; one
class per kind, and their union discriminated by ``kind`` (what ``goldfleet schema`` publishes)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from goldfleet.config.models.base import ConfigModel, Metadata
from goldfleet.config.models.host_pools import HostPoolSpec
from goldfleet.config.models.images import GallerySpec, ImageDefinitionSpec, ImagePipelineSpec
from goldfleet.config.models.rollout import RingSpec, RolloutPolicySpec
from goldfleet.config.models.tenant import TenantSpec


class _Document(ConfigModel):
    api_version: Literal["goldfleet/v1"]
    metadata: Metadata


class TenantDocument(_Document):
    """The provider tenant or a customer tenant."""

    kind: Literal["Tenant"]
    spec: TenantSpec


class GalleryDocument(_Document):
    """An Azure Compute Gallery: staging, production or DR."""

    kind: Literal["Gallery"]
    spec: GallerySpec


class ImageDefinitionDocument(_Document):
    """An image definition in a gallery."""

    kind: Literal["ImageDefinition"]
    spec: ImageDefinitionSpec


class ImagePipelineDocument(_Document):
    """How image versions are captured or built, scheduled and distributed."""

    kind: Literal["ImagePipeline"]
    spec: ImagePipelineSpec


class HostPoolDocument(_Document):
    """An AVD host pool and its session host template."""

    kind: Literal["HostPool"]
    spec: HostPoolSpec


class RolloutPolicyDocument(_Document):
    """How a host pool's session hosts are replaced."""

    kind: Literal["RolloutPolicy"]
    spec: RolloutPolicySpec


class RingDocument(_Document):
    """A step of the release train across tenants."""

    kind: Literal["Ring"]
    spec: RingSpec


AnyDocument = (
    TenantDocument
    | GalleryDocument
    | ImageDefinitionDocument
    | ImagePipelineDocument
    | HostPoolDocument
    | RolloutPolicyDocument
    | RingDocument
)

Document = Annotated[AnyDocument, Field(discriminator="kind")]

DOCUMENT_CLASSES: dict[str, type[AnyDocument]] = {
    "Tenant": TenantDocument,
    "Gallery": GalleryDocument,
    "ImageDefinition": ImageDefinitionDocument,
    "ImagePipeline": ImagePipelineDocument,
    "HostPool": HostPoolDocument,
    "RolloutPolicy": RolloutPolicyDocument,
    "Ring": RingDocument,
}
