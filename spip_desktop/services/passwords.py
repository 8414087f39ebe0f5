"""Password hashing with Argon2id (argon2-cffi): the only place that sees a password.

The parameters are tuned so that one check takes about half a second on an
office workstation (see ``bench/README.md``): slow enough to make guessing a
stolen hash expensive, quick enough for a sign-in. Stored hashes carry their
own parameters; a hash made with older ones is upgraded at the next sign-in.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hash and check passwords; never logs or keeps them."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 256 * 1024, parallelism: int = 4):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, spends the same time and says no.

        Checking a dummy hash for unknown logins keeps the answer time the same,
        so timing does not tell which logins exist.
        """
        if stored_hash is None:
            if self._dummy is None:
                self._dummy = self._hasher.hash("dummy password for unknown logins")
            stored_hash, password = self._dummy, password + "\x00never"
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


#: For tests and scripted demo data only: the same algorithm with minimal cost.
def fast_passwords() -> Passwords:
    return Passwords(time_cost=1, memory_kib=8 * 1024, parallelism=1)
