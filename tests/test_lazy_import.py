"""lazy_import: validating a batch loads none of scipy.stats, altair, sqlalchemy; code using them gets them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from quality_support import NOW, motion, refined, stats
from expectations import gate
from records import MOTION

batch = refined([motion(i) for i in range(5)] + [motion(5, title="")])
result = gate.check(batch, stats(batch, MOTION), now=NOW)
print("quarantined", sorted(result.reasons))
LOADED = ("scipy.stats._stats_py", "altair.vegalite", "sqlalchemy")
print("loaded", [name in sys.modules for name in LOADED])
from scipy import stats
import altair
import sqlalchemy
print("normal cdf at 0", stats.norm.cdf(0), "chart", type(altair.Chart()).__name__,
      "sql", sqlalchemy.select(sqlalchemy.literal(1)).compile().string.split()[0])
print("loaded", [name in sys.modules for name in LOADED])
"""


def test_a_gate_runs_without_scipy_stats_altair_or_sqlalchemy_which_still_load_on_first_use() -> None:
    script = SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests"))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True,
                         cwd=ROOT).stdout.splitlines()
    assert out == ["quarantined ['motions:motion-5']", "loaded [False, False, False]",
                   "normal cdf at 0 0.5 chart Chart sql SELECT", "loaded [True, True, True]"]
