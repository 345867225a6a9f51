"""SQLite storage for tasks (stdlib sqlite3). Every query takes the AUTHENTICATED user id
(the token's `sub`), never a path parameter: that is the spec's third layer."""
import os
import sqlite3
import tempfile
import threading
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional

DB_PATH = os.getenv("TASKS_DB") or os.path.join(
    tempfile.gettempdir(), "jwtgate-fastapi-origin-tasks.db"
)

_init_lock = threading.Lock()
_initialised = False


@contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(DB_PATH, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def init_db() -> None:
    global _initialised
    with _init_lock:
        if _initialised:
            return
        with _connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                """CREATE TABLE IF NOT EXISTS tasks (
                       id INTEGER PRIMARY KEY AUTOINCREMENT,
                       user_id TEXT NOT NULL,
                       title TEXT NOT NULL,
                       completed INTEGER NOT NULL DEFAULT 0,
                       created_at INTEGER NOT NULL
                   )"""
            )
            conn.execute("CREATE INDEX IF NOT EXISTS tasks_user ON tasks(user_id, id)")
        _initialised = True


def _row(row: sqlite3.Row) -> Dict:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "title": row["title"],
        "completed": bool(row["completed"]),
        "created_at": row["created_at"],
    }


async def get_user_tasks(authenticated_user_id: str) -> List[Dict]:
    init_db()
    with _connect() as conn:
        rows = conn.execute(
            "SELECT * FROM tasks WHERE user_id = ? ORDER BY id", (authenticated_user_id,)
        ).fetchall()
    return [_row(r) for r in rows]


async def create_user_task(authenticated_user_id: str, title: str) -> Dict:
    init_db()
    with _connect() as conn:
        cur = conn.execute(
            "INSERT INTO tasks (user_id, title, completed, created_at) VALUES (?, ?, 0, ?)",
            (authenticated_user_id, title, int(time.time())),
        )
        row = conn.execute("SELECT * FROM tasks WHERE id = ?", (cur.lastrowid,)).fetchone()
    return _row(row)


async def update_user_task(
    authenticated_user_id: str, task_id: int, title: Optional[str], completed: Optional[bool]
) -> Optional[Dict]:
    """Changes a task of THIS user; None when the user has no such task (another user's
    task id is indistinguishable from a missing one)."""
    init_db()
    with _connect() as conn:
        if title is not None:
            conn.execute(
                "UPDATE tasks SET title = ? WHERE id = ? AND user_id = ?",
                (title, task_id, authenticated_user_id),
            )
        if completed is not None:
            conn.execute(
                "UPDATE tasks SET completed = ? WHERE id = ? AND user_id = ?",
                (int(completed), task_id, authenticated_user_id),
            )
        row = conn.execute(
            "SELECT * FROM tasks WHERE id = ? AND user_id = ?", (task_id, authenticated_user_id)
        ).fetchone()
    return None if row is None else _row(row)


async def delete_user_task(authenticated_user_id: str, task_id: int) -> bool:
    """Deletes a task of THIS user; False when the user has no such task."""
    init_db()
    with _connect() as conn:
        cur = conn.execute(
            "DELETE FROM tasks WHERE id = ? AND user_id = ?", (task_id, authenticated_user_id)
        )
    return cur.rowcount > 0
