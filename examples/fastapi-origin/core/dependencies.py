"""The spec's `get_current_user` dependency (HTTPBearer + verify_better_auth_token), as written."""
from typing import Dict

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.security import verify_better_auth_token

security = HTTPBearer()


async def get_current_user(
    credentials: HTTPAuthorizationCredentials = Depends(security)
) -> Dict[str, any]:
    """FastAPI dependency to get the current authenticated user (the token's claims)."""
    return verify_better_auth_token(credentials.credentials)
