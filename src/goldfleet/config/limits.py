"""What one configuration file may hold at most, so that no input makes goldfleet crash or take
long: its size in bytes, how deeply its values nest, and how many values it expands to once YAML
aliases are followed (a "billion laughs" file of a few hundred bytes expands to billions of values
when every alias is copied out). docs/config.md ("Limits") lists them for users.

Each limit is far above what a real configuration needs (the 2,000-tenant benchmark in one file is
1.8 MB, about 120,000 values, nested 8 deep) and low enough that the worst file within them loads
in seconds, not minutes.
"""

from __future__ import annotations

MAX_FILE_BYTES = 16 * 1024 * 1024
"""A configuration file larger than this is refused before it is parsed."""

MAX_DEPTH = 64
"""Lists and mappings nest at most this deep (the document itself is level 1), aliases included."""

MAX_VALUES = 1_000_000
"""A file holds at most this many values (scalars, lists and mappings, keys included), counting
the values an alias stands for each time the alias is used."""

MAX_FIELD_PROBLEMS = 100
"""Per document, at most this many problems of types and keys are listed (then a count of the
rest), so that a document of a million wrong values is not a million lines of output."""

MAX_SHOWN_CHARACTERS = 200
"""A value quoted in a message is cut to this many characters."""
