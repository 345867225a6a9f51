"""The spec's protected routes, plus `/me/tasks`.

`/me/...` routes are registered BEFORE `/{user_id}/...`, so `/api/v1/me/tasks` is the
caller's own list (token only) instead of a 403 for a user called "me".
Each response also echoes the `X-User-Id` header this origin received, decoded, as
`identity_header` (and `/me/profile` the `X-User-Email` one, as `identity_email_header`),
so end-to-end tests can see what the edge set.
"""
from typing import Optional
from urllib.parse import unquote

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from core.auth import get_current_user, validate_path_user_id
from db import create_user_task, get_user_tasks

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
