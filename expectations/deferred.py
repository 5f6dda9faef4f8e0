"""Deferred imports: a module registered here is imported when one of its attributes is first used."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands in for a module in sys.modules until an attribute is asked for, then imports it and forwards."""

    def __init__(self, name: str, spec: Any) -> None:
        super().__init__(name)
        # Set here, so the import system's look at __spec__ on a second `import` does not load the module
        # (importlib.util.LazyLoader does, on Python 3.11).
        self.__spec__ = spec
        self._lock = threading.Lock()
        self._real: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        """Import the real module on first use (only attributes not set on the stand-in come here)."""
        with self._lock:
            if self._real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                self._real = importlib.import_module(self.__name__)
        return getattr(self._real, attr)


def defer(name: str) -> None:
    """Make later imports of `name` return a stand-in that imports the module on first attribute access."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is not None:  # not installed: importing it fails as usual
        sys.modules[name] = _Deferred(name, spec)
