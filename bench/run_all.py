"""`make bench`: every benchmark in one run, each against its baseline (BENCH_DATABASE_URL=postgresql://…
runs them on PostgreSQL; the scale benchmarks build the 1,000,000-hazard data set once, bench/scale_data.py).

  bench_step.py          one workflow step: raw SpiffWorkflow + sqlite3 floor vs the full app
  bench_hazard_steps.py  each hazard user task over real HTTP (gunicorn) vs the raw engine + database request
  bench_loop.py          closed hazard loops per second over HTTP, 2 workers and 2 clients, vs the raw floor
  bench_inbox.py         inbox first page with 100,000 open and 1,000,000 completed tasks (p95)
  bench_lists.py         the hazard list at 1,000,000 hazards: first page and page 1,000, every filter
  bench_search.py        hazard search at 1,000,000 hazards vs LIKE
  bench_dashboard.py     the dashboard at 1,000,000 hazards: summary vs live aggregates
  bench_ledger.py        隐患排查治理台账 export (100,000 and 1,000,000 rows) vs xlsxwriter constant_memory
  bench_case_steps.py    penalty-case task steps over HTTP (fresh, 12-step and 30-step/40-document cases) vs the
                         raw engine + database request, next to the hazard steps' ratios of the same run
  bench_case_pages.py    the 30-step/40-document case page and the case list at 100,000 cases (bench/case_data.py)
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_step.py", "bench_hazard_steps.py", "bench_loop.py", "bench_inbox.py", "bench_lists.py",
           "bench_search.py", "bench_dashboard.py", "bench_ledger.py", "bench_case_steps.py", "bench_case_pages.py")
SCRIPTS += ("bench_credit.py",)  # the credit domain at a city's volume (issue #14): lists, pages, 公示, 台账, steps
SCRIPTS += ("bench_inspections.py",)  # inspections (issue #12): draw, plan, list; the user steps over HTTP with hazard steps

for script in SCRIPTS:
    print(f"\n=== {script} ===", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
