"""jwtgate's example origin: the FastAPI backend of the spec, written for this project.

Run it with `scripts/origin.sh` (BETTER_AUTH_SECRET required, >= 32 characters).
"""
import os

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from jose import JWTError

import core.security  # noqa: F401  (refuses to start without a >= 32-character secret)
from db import init_db
from routers.tasks import router as tasks_router

app = FastAPI(title="jwtgate example origin (FastAPI + Better Auth JWT)")


@app.exception_handler(JWTError)
async def jwt_exception_handler(request: Request, exc: JWTError):
    return JSONResponse(
        status_code=401,
        content={"detail": "Invalid authentication credentials"}
    )


# CORS middleware, as in the spec
app.add_middleware(
    CORSMiddleware,
    allow_origins=[
        "http://localhost:3000",  # Development
        os.getenv("FRONTEND_URL", ""),  # Production
    ],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.get("/health")
async def health():
    """Liveness, without auth."""
    return {"status": "ok"}


app.include_router(tasks_router)
init_db()
