"""JWT validation exactly as the spec's `core/security.py` (shared/spec/fastapi-better-auth-jwt-guide.md).

This origin is the REFERENCE the gate is compared against, so the spec's rules are kept
as written, weaknesses included (do not harden this file):
  - python-jose checks `exp` itself first, so an expired token is usually refused as
    "Invalid token: Signature has expired." rather than "Token expired";
  - `exp`/`iat` are optional here: a token without them is accepted (no lifetime check);
  - `auth_header.replace("Bearer ", "")` removes every occurrence, not only the prefix;
  - the secret is read once, at import, and the app refuses to start with < 32 chars.
"""
import os
import time
from typing import Dict, Optional

from fastapi import HTTPException, Request, status
from jose import JWTError, jwt

# Configuration
SECRET_KEY = os.getenv("BETTER_AUTH_SECRET")
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = int(os.getenv("ACCESS_TOKEN_EXPIRE_MINUTES", "30"))
# Optional, not in the spec: Better Auth's jwt plugin sets `iss`/`aud`, and a backend that
# checks them passes them to jwt.decode (python-jose's own checks). Unset: the spec as written.
ISSUER = os.getenv("JWT_ISSUER") or None
AUDIENCE = os.getenv("JWT_AUDIENCE") or None

# Validate secret at startup
if not SECRET_KEY or len(SECRET_KEY) < 32:
    raise ValueError("BETTER_AUTH_SECRET must be at least 32 characters")


def verify_better_auth_token(token: str) -> Dict[str, any]:
    """Verify and decode a Better Auth JWT; raise HTTPException(401) when it is refused."""
    try:
        # Decode JWT
        payload = jwt.decode(
            token,
            SECRET_KEY,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
        )

        # Validate required claims
        user_id: str = payload.get("sub")
        email: str = payload.get("email")
        exp: int = payload.get("exp")
        iat: int = payload.get("iat")

        if not user_id or not email:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Invalid token: missing user claims"
            )

        # Validate expiration
        current_time = time.time()
        if exp and exp < current_time:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Token expired"
            )

        # Validate token lifetime (15-30 minutes)
        if iat and exp:
            lifetime = exp - iat
            if lifetime < 900 or lifetime > 1800:  # 15-30 minutes
                raise HTTPException(
                    status_code=status.HTTP_401_UNAUTHORIZED,
                    detail="Invalid token lifetime"
                )

        return payload

    except JWTError as e:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=f"Invalid token: {str(e)}"
        )


async def validate_path_user_id(request: Request, path_user_id: str) -> Dict[str, any]:
    """Layers 1 and 2: a valid token, and the path's user id equal to its `sub` (else 403)."""
    # Extract token from Authorization header
    auth_header = request.headers.get("Authorization")

    if not auth_header or not auth_header.startswith("Bearer "):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Missing or invalid Authorization header"
        )

    token = auth_header.replace("Bearer ", "")

    # Verify JWT
    payload = verify_better_auth_token(token)

    # Validate path user_id matches JWT user_id
    jwt_user_id = payload.get("sub")

    if jwt_user_id != path_user_id:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="User ID in path does not match authenticated user"
        )

    return payload
