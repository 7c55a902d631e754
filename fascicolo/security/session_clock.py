"""The two clocks of a signed-in session: time since the last activity, and time since the login.

Both timestamps live in the session (in the database, shared by every web process) as integer
Unix seconds. Residents and clerks have their own limits (settings ``SESSION_*`` and
``STAFF_SESSION_*``).
"""

import time
from dataclasses import dataclass

from django.conf import settings

LOGIN_AT_KEY = "security.login_at"
LAST_ACTIVITY_KEY = "security.last_activity"


@dataclass(frozen=True)
class Limits:
    idle: int
    absolute: int
    warning: int


def limits_for(user):
    if user.is_staff:
        return Limits(
            settings.STAFF_SESSION_IDLE_TIMEOUT,
            settings.STAFF_SESSION_ABSOLUTE_TIMEOUT,
            settings.SESSION_TIMEOUT_WARNING,
        )
    return Limits(settings.SESSION_IDLE_TIMEOUT, settings.SESSION_ABSOLUTE_TIMEOUT, settings.SESSION_TIMEOUT_WARNING)


@dataclass(frozen=True)
class SessionClock:
    login_at: int
    last_activity: int
    limits: Limits
    now: int

    @property
    def idle_remaining(self):
        return self.last_activity + self.limits.idle - self.now

    @property
    def absolute_remaining(self):
        return self.login_at + self.limits.absolute - self.now

    @property
    def expired_reason(self):
        """``"absolute"``, ``"idle"`` or ``None`` while the session is alive."""
        if self.absolute_remaining <= 0:
            return "absolute"
        if self.idle_remaining <= 0:
            return "idle"
        return None


def now():
    return int(time.time())


def start(session):
    """Called at login: both clocks start now."""
    moment = now()
    session[LOGIN_AT_KEY] = moment
    session[LAST_ACTIVITY_KEY] = moment


def read(session, user):
    """The session's clock; a session signed in before the clock existed starts it now."""
    moment = now()
    if LOGIN_AT_KEY not in session or LAST_ACTIVITY_KEY not in session:
        start(session)
    return SessionClock(session[LOGIN_AT_KEY], session[LAST_ACTIVITY_KEY], limits_for(user), moment)


def touch(session, clock, force=False):
    """Record activity. Writes only when the stored value is older than
    ``SESSION_ACTIVITY_RESOLUTION`` seconds, so most requests do not save the session at all."""
    if force or clock.now - clock.last_activity >= settings.SESSION_ACTIVITY_RESOLUTION:
        session[LAST_ACTIVITY_KEY] = clock.now
        return SessionClock(clock.login_at, clock.now, clock.limits, clock.now)
    return clock
