"""Running SafeLoop as a real service: the production settings check, gunicorn, `flask serve`.

`flask serve` (README, `make serve`) runs the migrations, then gunicorn with N web workers and the BPMN
timer worker side by side. The systemd units in docs/deploy/ run the same pieces as separate services.
"""
