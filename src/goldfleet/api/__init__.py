"""The facade the CLI (and later the web dashboard) call. Thin: it wires the layers together.

One module per concern: ``configuration`` (validate, schema), ``changes`` (plan and apply),
``images``, ``promotion``, ``builds``, ``rollouts``, ``dr``, ``status``, ``audit``, ``emulator``
(serve or embed it), ``demo``... Nothing is imported here, so that a command loads only what it
uses (``goldfleet status`` does not load the emulator or every Azure SDK).
"""
