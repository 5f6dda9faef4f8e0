"""Deferred imports for any package: a module registered here is imported when one of its attributes is first used."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands in for a module in sys.modules until an attribute is asked for, then imports it and forwards."""

    def __init__(self, name: str, spec: Any, without: tuple[str, ...]) -> None:
        super().__init__(name)
        # Set here, so the import system's look at __spec__ on a second `import` does not load the module
        # (importlib.util.LazyLoader does, on Python 3.11).
        self.__spec__ = spec
        self._lock = threading.Lock()
        self._real: ModuleType | None = None
        self._without = without

    def __getattr__(self, attr: str) -> Any:
        """Import the real module on first use (only attributes not set on the stand-in come here)."""
        with self._lock:
            if self._real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                self._real = _import_without(self.__name__, self._without)
        return getattr(self._real, attr)


def _import_without(name: str, without: tuple[str, ...]) -> ModuleType:
    """Import `name` while the modules in `without` that are not loaded yet look uninstalled."""
    hidden = [module for module in without if module not in sys.modules]
    for module in hidden:
        sys.modules[module] = None  # type: ignore[assignment]  # None makes `import module` raise ImportError
    try:
        return importlib.import_module(name)
    finally:
        for module in hidden:
            if sys.modules.get(module, ...) is None:
                del sys.modules[module]


def defer(name: str, without: tuple[str, ...] = ()) -> None:
    """Make later imports of `name` return a stand-in that imports the module on first attribute access.

    While it loads, the modules in `without` look uninstalled, for a library that treats them as optional;
    a later import of them elsewhere works as usual.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is not None:  # not installed: importing it fails as usual
        sys.modules[name] = _Deferred(name, spec, without)
