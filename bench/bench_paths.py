"""Import paths of the benchmarks: the repo (for `custom_components` and `tools`) and bench/ itself.

`PYIOT_BENCH_ROOT=<dir>` benchmarks the integration of another checkout (a scratch copy with a fix).
Importing this module puts them first on `sys.path`; every benchmark imports it before anything else.
"""

import os
from pathlib import Path
import sys

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
INTEGRATION_ROOT = Path(os.environ.get("PYIOT_BENCH_ROOT") or REPO_ROOT).resolve()
for _path in (str(BENCH_DIR), str(REPO_ROOT), str(INTEGRATION_ROOT)):
    if _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)
