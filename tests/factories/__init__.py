"""Test factories: fixtures and helpers shared by the test directories.

The modules holding fixtures are loaded as plugins (`pytest_plugins` at the top of the suite), so every
test can ask for their fixtures by name; tests import plain helpers (`from tests.factories.hazards import
rect_data`), never from another directory's fixture file.

    auth       PASSWORD, csrf_from, LoggedInClient; fixture login(user)
    org        World; fixture world (the standard county, bureau, enterprises and one user per role)
    db         sql_log(), is_postgres(app), commit()
    clock      START (Monday 2026-11-02), at(day, hour); fixture frozen (clock frozen at START)
    files      JPEG / PNG / PDF bytes, file_storage(); fixture upload (a stored attachment's id)
    hazards    hazard_data, rect_data, review_data, rectification_form, ready, ready_task;
               fixtures make_order, make_hazard
    workflow   complete, ready, tick_at; fixtures simple, started (instances of test_simple)
    forms      minimal() (a valid submission of tests/forms/defs/sample.json)
    bpmn       user_task, service_task, linear (a tiny BPMN writer)
    browser    CHROMIUM, ARTIFACTS, browser_login; session fixture browser (Debian's Chromium)
    jobs       run_jobs() (the queue run as the worker does), export_ledger(client, name, query)
    concurrency  together(calls) (calls run in threads released at once: two people, one moment)

Test-only definition files live in tests/fixtures/ (workflows/test_simple.bpmn and the test_* forms),
which TestConfig adds to the app's workflow and form directories.
"""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
