import importlib

import fantasy


def test_every_exported_name_resolves() -> None:
    for name in fantasy.__all__:
        assert getattr(fantasy, name) is not None, name


def test_unknown_name_raises_attribute_error() -> None:
    try:
        fantasy.does_not_exist  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("expected AttributeError")


def test_stream_module_is_exported() -> None:
    assert fantasy.stream is importlib.import_module("fantasy.stream")
