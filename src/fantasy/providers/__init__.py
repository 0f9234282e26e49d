"""Provider packages; each loads on first use."""

__all__: list[str] = []  # each provider is a subpackage: fantasy.providers.<name>
