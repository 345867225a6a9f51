"""The app reads its configuration at import: set it before anything imports main."""
import os
import sys
import tempfile
from pathlib import Path

SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"
os.environ["BETTER_AUTH_SECRET"] = SECRET
os.environ["TASKS_DB"] = os.path.join(tempfile.mkdtemp(prefix="origin-tests-"), "tasks.db")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
