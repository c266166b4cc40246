"""Local users with roles, in ``$CHAINGRAPH_DATA_DIR/users.json``: salted scrypt hashes, never a password.

Roles are ordered: viewer (read pages, console) < editor (import) < admin (clear, restore, users).
The file is rewritten atomically (temporary file + rename) with mode 0600.  Users who log in through
an identity provider (OIDC, ``st.login``) may be listed without a password to give them a role.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROLES = ("viewer", "editor", "admin")
USERS_FILE = "users.json"
NAME = re.compile(r"^[\w.@+-]{1,64}$")          # plain names and e-mail addresses (OIDC users)
MIN_PASSWORD = 8
# scrypt cost: ~50 ms per check on one core, 16 MiB of memory; stored per user so it can be raised later.
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class UserError(ValueError):
    """A bad name, role or password; the message is meant for users."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    via: str = "local"          # "local" (password) or "oidc" (the identity provider said who)

    def can(self, role: str) -> bool:
        return rank(self.role) >= rank(role)

    @property
    def who(self) -> str:
        """The name the audit log keeps: a provider's user is marked, as the command line's ``os:`` is,
        so ``oidc:alice@example.org`` is never mistaken for a local user of that name."""
        return self.name if self.via == "local" else f"{self.via}:{self.name}"


def rank(role: str) -> int:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)} / 未知角色")
    return ROLES.index(role)


def users_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / USERS_FILE


def _hash(password: str, salt: bytes, cost: dict) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, maxmem=64 * 1024 * 1024, dklen=32, **cost)


def _read(data_dir: str | Path) -> dict[str, dict]:
    path = users_path(data_dir)
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable users file ({exc}) / 用户文件无法读取") from exc
    return doc.get("users", {})


def _write(data_dir: str | Path, users: dict[str, dict]) -> None:
    path = users_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"users": users}, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exists(data_dir: str | Path) -> bool:
    """True once any user was created: until then nobody can write through the app."""
    return bool(_read(data_dir))


def list_users(data_dir: str | Path) -> list[User]:
    return [User(name, entry["role"]) for name, entry in sorted(_read(data_dir).items())]


def get(data_dir: str | Path, name: str) -> User | None:
    entry = _read(data_dir).get(name)
    return User(name, entry["role"]) if entry else None


def get_oidc(data_dir: str | Path, name: str) -> User | None:
    """The role listed for a name the identity provider vouches for: only users added without a
    password (``--oidc``) match, so a provider can never log someone in as a local password user."""
    listed = {key: entry for key, entry in _read(data_dir).items() if "hash" not in entry}
    if name not in listed:      # providers differ in the case of an address (Alice@Example.org)
        folded = [key for key in listed if key.casefold() == name.casefold()]
        if len(folded) != 1:
            return None
        name = folded[0]
    return User(name, listed[name]["role"], via="oidc")


def add(data_dir: str | Path, name: str, role: str, password: str | None) -> User:
    """A new user; ``password=None`` for one who logs in only through the identity provider (OIDC)."""
    if not NAME.match(name or ""):
        raise UserError(f"invalid user name {name!r}: letters, digits and . _ @ + - only, at most 64 / 用户名无效")
    rank(role)
    users = _read(data_dir)
    if name in users:
        raise UserError(f"user {name!r} exists already (use set-role or remove it first) / 用户已存在")
    entry: dict = {"role": role}
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise UserError(f"password too short: at least {MIN_PASSWORD} characters / 密码至少 {MIN_PASSWORD} 位")
        salt = secrets.token_bytes(16)
        entry.update(salt=salt.hex(), scrypt=SCRYPT, hash=_hash(password, salt, SCRYPT).hex())
    users[name] = entry
    _write(data_dir, users)
    return User(name, role)


def remove(data_dir: str | Path, name: str) -> None:
    users = _read(data_dir)
    if name not in users:
        raise UserError(f"no user {name!r} / 无此用户")
    del users[name]
    _write(data_dir, users)


def set_role(data_dir: str | Path, name: str, role: str) -> User:
    rank(role)
    users = _read(data_dir)
    if name not in users:
        raise UserError(f"no user {name!r} / 无此用户")
    users[name]["role"] = role
    _write(data_dir, users)
    return User(name, role)


# Spent on unknown names too, so the answer time does not tell which names exist.
_DUMMY_SALT = secrets.token_bytes(16)


def verify(data_dir: str | Path, name: str, password: str) -> User | None:
    """The user when the password matches (constant-time compare), else None."""
    entry = _read(data_dir).get(name or "")
    if not entry or "hash" not in entry:
        _hash(password or "", _DUMMY_SALT, SCRYPT)
        return None
    actual = _hash(password or "", bytes.fromhex(entry["salt"]), entry.get("scrypt", SCRYPT))
    if hmac.compare_digest(actual, bytes.fromhex(entry["hash"])):
        return User(name, entry["role"])
    return None
