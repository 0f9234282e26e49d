"""``python -m fantasy``: the command line (see :mod:`fantasy.cli`)."""

from fantasy.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
