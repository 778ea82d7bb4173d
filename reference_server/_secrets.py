"""Key material: generated values, the API key pair, and the salted hashes (all the database
ever holds of a hashed field). The forms (alphabet, length) are the spec's
`x-rancher-field.generate` of the fields that make up HTTP Basic credentials."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from rancher_contract.reference_server._layout import default_model
from rancher_contract.specmodel import Generated

__all__ = [
    "PUBLIC_VALUE_RE",
    "SECRET_RE",
    "draw",
    "hash_secret",
    "new_public_value",
    "new_secret",
    "verify_secret",
]


def _credential_forms() -> tuple[Generated, Generated]:
    """(access key, secret key) forms of the spec's API credential (apiKey)."""
    for resource in default_model().resources:
        pair = resource.basic_auth_fields
        if pair is not None and pair[0].generate is not None and pair[1].generate is not None:
            return pair[0].generate, pair[1].generate
    raise LookupError("the spec declares no generated HTTP Basic credential")


_ACCESS, _SECRET = _credential_forms()


def _pattern(form: Generated) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(form.alphabet)}]{{{form.length}}}")


PUBLIC_VALUE_RE = _pattern(_ACCESS)
SECRET_RE = _pattern(_SECRET)
_SALT_BYTES = 16
# Compared against when the access key is unknown, so that a miss costs as much as a wrong secret.
_DUMMY_SALT = b"\x00" * _SALT_BYTES
_DUMMY_DIGEST = hashlib.sha256(_DUMMY_SALT + b"not a secret").digest()


def draw(alphabet: str, length: int) -> str:
    """`length` characters of `alphabet`, from the system's CSPRNG."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_public_value() -> str:
    """A fresh access key (uniqueness is the database's UNIQUE index's job)."""
    return draw(_ACCESS.alphabet, _ACCESS.length)


def new_secret() -> str:
    """A fresh secret key (apiKey: 40 alphanumerics, about 238 bits)."""
    return draw(_SECRET.alphabet, _SECRET.length)


def _digest(salt: bytes, secret: str) -> bytes:
    # surrogatepass: a secret decoded from a hostile header must hash, not raise.
    return hashlib.sha256(salt + secret.encode("utf-8", "surrogatepass")).digest()


def hash_secret(secret: str) -> tuple[bytes, bytes]:
    """(salt, salted SHA-256), as Rancher stores it.

    A single salted SHA-256 is enough here: the secrets are random and long (no dictionary to
    try); a slow KDF would only make every authenticated request slower.
    """
    salt = secrets.token_bytes(_SALT_BYTES)
    return salt, _digest(salt, secret)


def verify_secret(secret: str, salt: bytes | None, digest: bytes | None) -> bool:
    """Constant-time comparison; with no stored hash, compares against a dummy and answers False."""
    if salt is None or digest is None:
        hmac.compare_digest(_digest(_DUMMY_SALT, secret), _DUMMY_DIGEST)
        return False
    return hmac.compare_digest(_digest(salt, secret), digest)
