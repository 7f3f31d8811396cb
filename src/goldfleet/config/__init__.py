"""goldfleet's desired state: YAML documents (``apiVersion: goldfleet/v1``) in a file or a
directory, validated into the domain's ``Configuration`` with problems that name file, line,
column and field; and the JSON Schema that editors use to complete and check the files.

Imports the domain, never Azure, the emulator, the API or the CLI.
"""

from goldfleet.config.diagnostics import ConfigurationError, Problem
from goldfleet.config.load import LoadedConfiguration, load_configuration, load_configuration_text
from goldfleet.config.schema import json_schema

__all__ = [
    "ConfigurationError",
    "LoadedConfiguration",
    "Problem",
    "json_schema",
    "load_configuration",
    "load_configuration_text",
]
