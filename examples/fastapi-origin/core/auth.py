"""Which auth this origin runs, chosen by ORIGIN_AUTH (read at import):

  - `spec` (default): the spec's python-jose code (core/security.py, core/dependencies.py),
    kept as written: it is the reference the parity tests compare the gate with;
  - `jwtgate`: the same routes guarded by the jwtgate wheel (bindings/python), the spec's
    rules hardened, from the same core as the edge. scripts/origin.sh installs the wheel.
"""
import os

MODE = os.getenv("ORIGIN_AUTH", "spec")

if MODE == "jwtgate":
    from jwtgate.fastapi import BetterAuth

    # Reads BETTER_AUTH_SECRET; a missing or weak secret stops the app here, at startup.
    auth = BetterAuth()
    get_current_user = auth
    validate_path_user_id = auth.validate_path_user_id
elif MODE == "spec":
    from core.dependencies import get_current_user  # noqa: F401
    from core.security import validate_path_user_id  # noqa: F401
else:
    raise ValueError(f"ORIGIN_AUTH must be 'spec' or 'jwtgate', not {MODE!r}")
