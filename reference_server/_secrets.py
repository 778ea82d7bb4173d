"""Key material: access keys, secrets, and the salted hashes (all the database ever holds)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = [
    "PUBLIC_VALUE_RE",
    "SECRET_RE",
    "hash_secret",
    "new_public_value",
    "new_secret",
    "verify_secret",
]

# The access key is what Rancher generates: 20 upper-case hex digits; the secret is 40
# alphanumerics.
PUBLIC_VALUE_RE = re.compile(r"[0-9A-F]{20}")
SECRET_RE = re.compile(r"[0-9A-Za-z]{40}")
_SECRET_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SALT_BYTES = 16
# Compared against when the access key is unknown, so that a miss costs as much as a wrong secret.
_DUMMY_SALT = b"\x00" * _SALT_BYTES
_DUMMY_DIGEST = hashlib.sha256(_DUMMY_SALT + b"not a secret").digest()


def new_public_value() -> str:
    """A fresh access key (uniqueness is the database's UNIQUE index's job)."""
    return secrets.token_hex(10).upper()


def new_secret() -> str:
    """A fresh secret key: 40 characters, about 238 bits."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


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
