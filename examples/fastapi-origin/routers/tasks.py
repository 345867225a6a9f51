"""The spec's protected routes (list, create, update/complete, delete), plus `/me/tasks`.

`/me/...` routes are registered BEFORE `/{user_id}/...`, so `/api/v1/me/tasks` is the
caller's own list (token only) instead of a 403 for a user called "me".
Each response also echoes the `X-User-Id` header this origin received, decoded, as
`identity_header` (and `/me/profile` the `X-User-Email` one, as `identity_email_header`),
so end-to-end tests can see what the edge set.
"""
from typing import Optional
from urllib.parse import unquote

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel

from core.auth import get_current_user, validate_path_user_id
from db import create_user_task, delete_user_task, get_user_tasks, update_user_task

router = APIRouter(prefix="/api/v1", tags=["tasks"])


class TaskCreate(BaseModel):
    title: str


def decode_identity(value: Optional[str]) -> Optional[str]:
    """An identity header as jwtgate writes it: ordinary ids and emails as they are, any
    other character as percent-encoded UTF-8 (`%` itself included). One strict decoding
    pass gives back the claim exactly (not `unquote_plus`: `+` is a `+`)."""
    if value is None:
        return None
    try:
        return unquote(value, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise HTTPException(status_code=400, detail="Invalid identity header")
class TaskUpdate(BaseModel):
    title: Optional[str] = None
    completed: Optional[bool] = None


TASK_NOT_FOUND = "Task not found"


def identity_header(request: Request) -> Optional[str]:
    return decode_identity(request.headers.get("X-User-Id"))


# Alternative: simple protection without path validation (spec's /me/profile, as written:
# a token without a `name` claim makes it fail with a 500).
@router.get("/me/profile")
async def get_profile(request: Request, user=Depends(get_current_user)):
    """Get current user profile."""
    user_id = user["sub"]
    email = user["email"]
    name = user["name"]

    return {
        "id": user_id,
        "email": email,
        "name": name,
        "identity_header": identity_header(request),
        "identity_email_header": decode_identity(request.headers.get("X-User-Email")),
    }


@router.get("/me/tasks")
async def list_my_tasks(request: Request, user=Depends(get_current_user)):
    """The caller's tasks, scoped by the token alone."""
    tasks = await get_user_tasks(user["sub"])
    return {"tasks": tasks, "identity_header": identity_header(request)}


@router.get("/{user_id}/tasks")
async def list_tasks(user_id: str, request: Request):
    """Three layers: valid JWT, path user == sub, query scoped to sub (not the path)."""
    payload = await validate_path_user_id(request, user_id)
    authenticated_user_id = payload["sub"]

    # Query database using JWT user_id (NOT path parameter)
    tasks = await get_user_tasks(authenticated_user_id)

    return {"tasks": tasks, "identity_header": identity_header(request)}


@router.post("/{user_id}/tasks")
async def create_task(user_id: str, request: Request, task_data: TaskCreate):
    """Create a task for the authenticated user."""
    payload = await validate_path_user_id(request, user_id)
    authenticated_user_id = payload["sub"]

    # Create task with authenticated user_id
    task = await create_user_task(authenticated_user_id, task_data.title)

    return {"task": task, "identity_header": identity_header(request)}


@router.patch("/{user_id}/tasks/{task_id}")
async def update_task(user_id: str, task_id: int, request: Request, task_data: TaskUpdate):
    """Update (e.g. mark complete) a task of the authenticated user; 404 for anyone else's."""
    payload = await validate_path_user_id(request, user_id)
    authenticated_user_id = payload["sub"]

    # Scoped by the JWT's sub: another user's task id is "not found", never changed.
    task = await update_user_task(authenticated_user_id, task_id, task_data.title, task_data.completed)
    if task is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=TASK_NOT_FOUND)

    return {"task": task, "identity_header": identity_header(request)}


@router.delete("/{user_id}/tasks/{task_id}")
async def delete_task(user_id: str, task_id: int, request: Request):
    """Delete a task of the authenticated user; 404 for anyone else's."""
    payload = await validate_path_user_id(request, user_id)
    authenticated_user_id = payload["sub"]

    if not await delete_user_task(authenticated_user_id, task_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=TASK_NOT_FOUND)

    return {"deleted": task_id, "identity_header": identity_header(request)}
