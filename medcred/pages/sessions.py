"""Sign-in sessions of a web app, kept server-side so that signing out ends them and a restart keeps them.

    sessions = SessionStore(open_store(settings, "pages"), session_secret, csrf_secret, hours=12)
    sid = sessions.start("patient-7f3c")          # the cookie's value: random, shown to nobody else
    session = sessions.find(sid)                  # Session(subject="patient-7f3c", ...) or None
    session.csrf                                  # the token its forms carry
    sessions.end(sid)

The store holds a session under HMAC(session_secret, sid), never the cookie's value itself, so reading the
store does not give a working cookie. Its CSRF token is HMAC(csrf_secret, sid): nothing to store, and it
changes with the session. A form shown before sign-in carries `pre_session_token(value)`, bound the same
way to a random pre-session cookie (the double-submit pattern). Tokens are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from medcred.store import DocumentStore
from medcred.web import secrets_match

__all__ = ["Session", "SessionStore"]

COLLECTION = "sessions"


def _mac(secret: str, *parts: str) -> str:
    return hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Session:
    """A signed-in person: `subject` is who (a patient's id, or "staff"), `csrf` their forms' token."""

    sid: str
    subject: str
    expires: float
    csrf: str
    flash: list[str] = field(default_factory=list)


class SessionStore:
    def __init__(self, store: DocumentStore, session_secret: str, csrf_secret: str, *, hours: float = 12.0,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self._store, self._session_secret, self._csrf_secret = store, session_secret, csrf_secret
        self.lifetime = hours * 3600
        self._clock = clock

    def _key(self, sid: str) -> str:
        return _mac(self._session_secret, "session", sid)

    def start(self, subject: str) -> str:
        """A new session of `subject`; answers its id, the cookie's value."""
        self._forget_expired()
        sid = secrets.token_urlsafe(32)
        self._store.put(COLLECTION, self._key(sid), {"subject": subject, "expires": self._clock() + self.lifetime})
        return sid

    def find(self, sid: str | None) -> Session | None:
        """The live session `sid` names; None for a missing, unknown, ended or expired one."""
        if not sid or len(sid) > 128:
            return None
        document = self._store.get(COLLECTION, self._key(sid))
        if document is None:
            return None
        if document["expires"] <= self._clock():
            self._store.delete(COLLECTION, self._key(sid))
            return None
        return Session(sid=sid, subject=document["subject"], expires=document["expires"],
                       csrf=_mac(self._csrf_secret, "csrf", sid), flash=list(document.get("flash", [])))  # fmt: skip

    def end(self, sid: str) -> None:
        self._store.delete(COLLECTION, self._key(sid))

    def end_all(self, subject: str) -> int:
        """End every session of `subject` (their account closed, say); answers how many."""
        ended = [key for key, document in self._store.all(COLLECTION) if document.get("subject") == subject]
        for key in ended:
            self._store.delete(COLLECTION, key)
        return len(ended)

    def flash(self, session: Session, message: str) -> None:
        """Keep `message` for the next page this session sees (after a redirect)."""
        document = self._store.get(COLLECTION, self._key(session.sid))
        if document is not None:
            document["flash"] = [*document.get("flash", []), message][-5:]
            self._store.put(COLLECTION, self._key(session.sid), document)

    def take_flash(self, session: Session) -> list[str]:
        if not session.flash:
            return []
        document = self._store.get(COLLECTION, self._key(session.sid))
        if document is not None:
            document.pop("flash", None)
            self._store.put(COLLECTION, self._key(session.sid), document)
        return session.flash

    def remember(self, session: Session, name: str, value: str) -> None:
        """Keep `value` with the session (what a page shows again after a redirect: an invitation link)."""
        document = self._store.get(COLLECTION, self._key(session.sid))
        if document is not None:
            kept = {**document.get("kept", {}), name: value}
            document["kept"] = dict(list(kept.items())[-20:])
            self._store.put(COLLECTION, self._key(session.sid), document)

    def recall(self, session: Session, name: str) -> str | None:
        document = self._store.get(COLLECTION, self._key(session.sid)) or {}
        value = document.get("kept", {}).get(name)
        return value if isinstance(value, str) else None

    def csrf_valid(self, session: Session, given: str | None) -> bool:
        return secrets_match(given, session.csrf)

    def pre_session_token(self, value: str) -> str:
        """The token a sign-in form carries, bound to its random pre-session cookie `value`."""
        return _mac(self._csrf_secret, "pre-session", value)

    def pre_session_valid(self, value: str | None, given: str | None) -> bool:
        return bool(value) and secrets_match(given, self.pre_session_token(value or ""))

    def close(self) -> None:
        self._store.close()

    def _forget_expired(self) -> None:
        now = self._clock()
        for key, document in list(self._store.all(COLLECTION)):
            if document.get("expires", 0) <= now:
                self._store.delete(COLLECTION, key)
