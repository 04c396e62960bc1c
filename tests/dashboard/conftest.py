from tests.hazards.conftest import frozen, make_hazard, make_order, upload  # noqa: F401 - shared fixtures
