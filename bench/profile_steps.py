"""Where the time of a step goes: read the profiles a benchmark's server wrote (app.serving.profiling).

    SAFELOOP_PROFILE_DIR=bench/out/profile python bench/bench_hazard_steps.py     # any bench using bench.server
    python bench/profile_steps.py bench/out/profile [--skip 5] [--sql]

For each kind of POST (the path with its numbers as N): requests profiled, profiled time per request, and its
self time by package (SQLAlchemy, Werkzeug, Flask, marshmallow, SpiffWorkflow, the app's own code, the
database driver's execute / commit, the file system); with --sql, the statements of the last request of each
kind with the app frames that issued them. The first --skip requests of each kind (warm-up: templates, parsed
specs, statement caches) are left out. Profiling slows the requests several-fold: read shares, not times.
"""

from __future__ import annotations

import argparse
import collections
import pstats
import re
import sys
from pathlib import Path

_SITE = "site-packages/"


def kind_of(path: Path) -> str:
    return re.sub(r"\d+", "N", path.stem.split("-", 1)[1])


def bucket(filename: str, name: str) -> str:
    if _SITE in filename:
        return filename.split(_SITE, 1)[1].split("/", 1)[0]
    if "/app/" in filename and "/lib/" not in filename:
        return "app (SafeLoop)"
    if filename == "~":
        if "sqlite3" in name or "psycopg" in name or "pq" in name:
            return "database driver: " + ("commit" if "commit" in name else "execute / fetch")
        if "fsync" in name or "posix" in name:
            return "file system"
        return "builtins"
    return "stdlib"


def report(directory: Path, skip: int, sql: bool) -> None:
    by_kind: dict[str, list[Path]] = collections.defaultdict(list)
    for prof in sorted(directory.glob("*.prof")):
        by_kind[kind_of(prof)].append(prof)
    for kind, files in sorted(by_kind.items()):
        files = files[skip:] if len(files) > skip else files
        stats = pstats.Stats(str(files[0]))
        for f in files[1:]:
            stats.add(str(f))
        shares: collections.Counter[str] = collections.Counter()
        for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            shares[bucket(filename, name)] += tottime
        total = sum(shares.values())
        print(f"\n{kind}: {len(files)} requests, {total / len(files) * 1000:.1f} ms each under the profiler")
        for what, t in shares.most_common(9):
            print(f"  {t / total * 100:5.1f} %  {what}")
        if sql:
            lines = files[-1].with_suffix(".sql").read_text(encoding="utf-8").splitlines()
            print(f"  {len(lines)} statements (last request):")
            for line in lines:
                statement, _, site = line.partition("\t")
                print(f"    {statement[:70]:<70}  {site.split(' <- ')[0] if site else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--skip", type=int, default=5)
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()
    if not any(args.directory.glob("*.prof")):
        sys.exit(f"no profiles in {args.directory} (run a bench with SAFELOOP_PROFILE_DIR={args.directory})")
    report(args.directory, args.skip, args.sql)


if __name__ == "__main__":
    main()
