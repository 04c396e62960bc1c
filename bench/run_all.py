"""`make bench`: every benchmark in one run, each against its baseline.

  bench_step.py    one workflow step: raw SpiffWorkflow + sqlite3 floor vs the full app (HTTP)
  bench_inbox.py   inbox first page with 100,000 open and 1,000,000 completed tasks (p95)
  bench_ledger.py  隐患排查治理台账 export of 100,000 hazards vs xlsxwriter constant_memory
  bench_loop.py    closed loops per second through the app vs the raw engine; per-round step cost
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("bench_step.py", "bench_loop.py", "bench_ledger.py", "bench_inbox.py"):
    print(f"\n=== {script} ===", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
