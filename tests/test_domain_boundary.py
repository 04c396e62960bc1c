"""The platform never names a domain: only app/domains.py lists them, and each domain package registers
itself (docs/adding-a-domain.md). A platform file that mentions a domain would make the next domain a
switchboard edit."""

import re
from pathlib import Path

from app.domains import DOMAINS

APP = Path(__file__).resolve().parents[1] / "app"
ALLOWED = {APP / "domains.py"}
# the words a domain is known by in code, templates and docs
DOMAIN_WORDS = {
    "app.hazards": ("hazard",),
    "app.cases": ("penalty_case", "case_proposal"),
    "app.credit": ("credit_listing", "listing_measure", "credit_repair"),
    "app.inspections": ("inspection_plan", "draw_batch", "covert_visit", "tip_off", "enterprise_class"),
}


def _platform_files():
    domain_dirs = [APP / name.split(".", 1)[1] for name in DOMAINS]
    for path in APP.rglob("*"):
        if not path.is_file() or path.suffix not in {".py", ".html", ".js", ".css", ".json"}:
            continue
        if path in ALLOWED or any(d in path.parents for d in domain_dirs) or "__pycache__" in path.parts:
            continue
        yield path


def test_every_domain_has_its_words():
    assert set(DOMAIN_WORDS) == set(DOMAINS)


def test_no_platform_file_names_a_domain():
    words = [w for ws in DOMAIN_WORDS.values() for w in ws]
    pattern = re.compile("|".join(map(re.escape, words)), re.IGNORECASE)
    offenders = []
    for path in _platform_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(APP.parent)}:{n}: {line.strip()}")
    assert offenders == [], "platform files name a domain:\n" + "\n".join(offenders)


def test_the_check_sees_a_violation(tmp_path, monkeypatch):
    """The scan would catch a platform module that imports a domain."""
    fake = APP / "inbox" / "_boundary_probe.py"
    monkeypatch.setattr("tests.test_domain_boundary.ALLOWED", set())
    try:
        fake.write_text("from app.hazards import queries\n", encoding="utf-8")
        found = [p for p in _platform_files() if p == fake]
        assert found and "hazard" in found[0].read_text(encoding="utf-8")
    finally:
        fake.unlink()
