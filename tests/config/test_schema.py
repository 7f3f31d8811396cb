"""The published JSON Schema: one schema for every kind, discriminated by ``kind``; every example
document validates against it, and it rejects what the loader rejects in shape."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from goldfleet.config import json_schema
from goldfleet.config.models.documents import DOCUMENT_CLASSES
from tests.config.support import BASE, EXAMPLES


def documents(text: str) -> list[dict]:
    # The loader keeps dates and HH:MM as text; so do editors that check YAML against JSON Schema.
    class TextLoader(yaml.SafeLoader):
        pass

    TextLoader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return [d for d in yaml.load_all(text, Loader=TextLoader) if d is not None]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_covers_every_kind():
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["discriminator"]["propertyName"] == "kind"
    assert sorted(schema["discriminator"]["mapping"]) == sorted(DOCUMENT_CLASSES)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_document_validates_against_the_schema(validator, path):
    docs = documents(path.read_text())
    assert docs
    for doc in docs:
        errors = [e.message for e in validator.iter_errors(doc)]
        assert errors == [], f"{doc['kind']}/{doc['metadata']['name']}"


def test_the_test_base_configuration_validates_against_the_schema(validator):
    for doc in documents(BASE):
        assert list(validator.iter_errors(doc)) == []


def test_the_schema_rejects_unknown_keys_kinds_and_regions(validator):
    base = documents(BASE)
    tenant = base[0]
    assert not validator.is_valid({**tenant, "kind": "Tenent"})
    assert not validator.is_valid({**tenant, "spec": {**tenant["spec"], "tenantID": "x"}})
    pipeline = base[3]
    target = pipeline["spec"]["distribution"]["targets"][0]
    bad = {**target, "regions": ["westeuropa"]}
    spec = {**pipeline["spec"], "distribution": {"targets": [bad]}}
    assert not validator.is_valid({**pipeline, "spec": spec})
