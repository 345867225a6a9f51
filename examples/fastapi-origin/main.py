"""jwtgate's example origin: the FastAPI backend of the spec, written for this project.

Run it with `scripts/origin.sh` (BETTER_AUTH_SECRET required, >= 32 characters);
ORIGIN_AUTH=jwtgate serves the same routes with the jwtgate package instead of the
spec's python-jose code (core/auth.py).
"""
import os

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from core.auth import MODE  # ORIGIN_AUTH: spec (python-jose, as written) or jwtgate
from db import init_db
from routers.tasks import router as tasks_router

app = FastAPI(title=f"jwtgate example origin (FastAPI + Better Auth JWT, auth: {MODE})")

if MODE == "spec":
    from jose import JWTError

    import core.security  # noqa: F401  (refuses to start without a >= 32-character secret)

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
