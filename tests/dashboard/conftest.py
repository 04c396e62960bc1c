from tests.hazards.conftest import frozen, login, make_hazard, make_order, upload  # noqa: F401 - shared fixtures
