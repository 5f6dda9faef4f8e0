"""Builds one quiet, offline Great Expectations context per process and validates pandas batches with it.

GX is imported here and only when a gate first runs: importing it costs seconds, and commands that only read
the warehouse never need it. The context is ephemeral (nothing written to disk), has progress bars off
(else tqdm writes "Calculating Metrics" to stderr for every batch) and no Data Docs site (an ephemeral
context would otherwise make a temporary folder per build). GX 1.24.1 has no analytics code; the
environment flag below is set anyway so a later version stays off too.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.datasource.fluent import PandasDatasource

DATASOURCE = "unionwatch_batches"
BATCH_DEFINITION = "whole_batch"

# One validation at a time: GX's metric and batch caches are shared by the context.
_LOCK = threading.Lock()


def new_context() -> AbstractDataContext:
    """A fresh in-memory GX context with progress bars, analytics and Data Docs sites off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets this logger to INFO when imported, and it then announces the temporary folder of every
    # ephemeral context in the middle of a run's progress lines.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.data_docs_sites = {}
    return context


@functools.cache
def shared_context() -> AbstractDataContext:
    """The process's validation context, built on first use."""
    return new_context()


@functools.cache
def _datasource() -> PandasDatasource:
    """The shared context's one pandas datasource; each suite adds its own DataFrame asset to it."""
    return shared_context().data_sources.add_pandas(name=DATASOURCE)


def build_suite(module: ModuleType) -> ExpectationSuite:
    """A new suite from a suite module's NAME and expectations()."""
    import great_expectations as gx

    return gx.ExpectationSuite(name=module.NAME, expectations=module.expectations())


@functools.cache
def registered(module: ModuleType) -> tuple[ExpectationSuite, BatchDefinition]:
    """The suite of `module` and a whole-DataFrame batch definition for it, added to the shared context once."""
    suite = shared_context().suites.add(build_suite(module))
    batch = _datasource().add_dataframe_asset(name=module.NAME).add_batch_definition_whole_dataframe(BATCH_DEFINITION)
    return suite, batch


def validate(module: ModuleType, frame: pd.DataFrame, parameters: dict[str, Any],
             result_format: dict[str, Any]) -> ExpectationSuiteValidationResult:
    """Validate `frame` with the suite of `module`, filling its $PARAMETER values from `parameters`."""
    with _LOCK:  # also around the import: GX's circular imports break when two threads import it at once
        # The Validator is what ValidationDefinition.run uses, minus storing every result in the context's
        # in-memory store, which would grow for the life of a long-running process.
        from great_expectations.validator.v1_validator import Validator

        suite, batch = registered(module)
        validator = Validator(batch_definition=batch, batch_parameters={"dataframe": frame},
                              result_format=result_format)
        result = validator.validate_expectation_suite(suite, parameters)
    # GX returns results grouped by metric; people read them in the order the suite lists them.
    order = {expectation.id: index for index, expectation in enumerate(suite.expectations)}
    result.results.sort(key=lambda item: order.get(item.expectation_config.id, len(order)))
    return result


def reset() -> None:
    """Forget the shared context, so the next validation rebuilds the suites from their modules' constants."""
    with _LOCK:
        registered.cache_clear()
        _datasource.cache_clear()
        shared_context.cache_clear()


def warm_up(modules: list[ModuleType]) -> None:
    """Import GX and register `modules` now, e.g. while sources are still being fetched."""
    with _LOCK:
        for module in modules:
            registered(module)
