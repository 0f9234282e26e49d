"""Provider packages; each loads on first use."""
