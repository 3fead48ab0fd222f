"""Signed tokens as JWTs (PyJWT, HS256), typed so that one kind is never taken for another."""

import functools
from datetime import UTC, datetime, timedelta

import jwt

from chatcore.accounts.tokens import TokenClaims, TokenKind
from chatcore.shared.ids import UserId

_ALGORITHM = "HS256"


class JwtTokenService:
    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 32:
            raise ValueError("The JWT secret key must be at least 32 characters")
        self._key = secret_key
        # A client presents the same access token on every request for an hour; checking
        # its signature once is enough (a token's claims never change, so caching is safe).
        self._verified = functools.lru_cache(maxsize=8192)(self._verify)

    def issue(self, claims: TokenClaims) -> str:
        payload: dict[str, object] = {
            "sub": claims.user_id,
            "typ": claims.kind.value,
            "jti": claims.token_id,
            "iat": _ms(claims.issued_at),
            "exp": _ms(claims.expires_at),
            "gen": claims.generation,
        }
        if claims.email is not None:
            payload["eml"] = claims.email
        return jwt.encode(
            payload,
            self._key,
            algorithm=_ALGORITHM,
        )

    def read(self, token: str, kind: TokenKind) -> TokenClaims | None:
        claims = self._verified(token)
        return claims if claims is not None and claims.kind is kind else None

    def _verify(self, token: str) -> TokenClaims | None:
        try:
            # Expiry is judged by the domain against its clock; the signature is judged here.
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[_ALGORITHM],
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
            )
            return TokenClaims(
                kind=TokenKind(payload["typ"]),
                user_id=UserId(str(payload["sub"])),
                token_id=str(payload["jti"]),
                issued_at=_from_ms(payload["iat"]),
                expires_at=_from_ms(payload["exp"]),
                generation=int(payload["gen"]),
                email=_optional_text(payload.get("eml")),
            )
        except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
            return None


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError("an email claim must be a string")


# Times travel as fractional epoch seconds (NumericDate allows fractions), to the millisecond.
def _ms(moment: datetime) -> float:
    return round(moment.timestamp(), 3)


def _from_ms(value: object) -> datetime:
    if not isinstance(value, int | float):
        raise TypeError("a NumericDate must be a number")
    millis = round(value * 1000)
    return datetime.fromtimestamp(millis // 1000, UTC) + timedelta(milliseconds=millis % 1000)
