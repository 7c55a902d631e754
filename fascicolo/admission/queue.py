"""The waiting room's line, kept in Redis alone (docs/reliability.md, section 4).

Capacity is a number of residents admitted at once. A resident is admitted while the number of
residents seen within the admission window (``ADMISSION_WINDOW_SECONDS``, sliding: every request of an
admitted resident renews it) is below the capacity; the others wait in line in the order of their
ticket number. Ticket numbers are handed out by Redis' ``INCR``, never by the browser: the browser
holds only a random token (``tickets.py``), so a number cannot be chosen, forged or jumped.

Residents who arrive before the scheduled opening (``opens_at``) join a cohort, an unordered set; at
the first request after the opening the cohort is shuffled (Fisher–Yates, seeded with 31 random bits
from ``secrets``) and numbered before anyone who arrives later, so refreshing at 08:59:59 gives no
advantage over arriving at 08:50.

Every decision is one Lua script, run atomically by Redis, on Redis' own clock (``TIME``): every web
process shares the line, and two processes cannot admit the same place twice.

Keys (under ``settings.ADMISSION_REDIS_PREFIX``): ``capacity`` and ``opens_at`` (the live values an
operator sets from the admin), ``issued`` (last ticket number), ``head`` (highest number admitted),
``admitted`` (sorted set token → last seen, epoch seconds), ``cohort`` (set of tokens), ``opened``
(the opening already shuffled), ``t:<token>`` (a token's number, kept one day).
"""

import secrets
from dataclasses import dataclass

import redis
from django.conf import settings

TICKET_TTL_SECONDS = 86400

_SCRIPT = """
local p = ARGV[1]
local token = ARGV[2]
local window = tonumber(ARGV[3])
local seed = tonumber(ARGV[4])
local live = redis.call('MGET', p .. 'capacity', p .. 'opens_at')
local capacity = tonumber(live[1] or ARGV[5])
local opens = tonumber(live[2] or ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if capacity <= 0 then return {'admitted', 0, 0} end
local admitted = p .. 'admitted'
local last = redis.call('ZSCORE', admitted, token)
if last and tonumber(last) > now - window then
  redis.call('ZADD', admitted, now, token)
  return {'admitted', 0, 0}
end
redis.call('ZREMRANGEBYSCORE', admitted, '-inf', now - window)
if opens > now then
  redis.call('SADD', p .. 'cohort', token)
  redis.call('EXPIRE', p .. 'cohort', ARGV[7])
  return {'before_opening', redis.call('SCARD', p .. 'cohort'), tostring(opens - now)}
end
if opens > 0 and redis.call('GET', p .. 'opened') ~= tostring(opens) then
  local cohort = redis.call('SMEMBERS', p .. 'cohort')
  math.randomseed(seed)
  for i = #cohort, 2, -1 do
    local j = math.random(i)
    cohort[i], cohort[j] = cohort[j], cohort[i]
  end
  for i = 1, #cohort do
    redis.call('SET', p .. 't:' .. cohort[i], redis.call('INCR', p .. 'issued'), 'EX', ARGV[7])
  end
  redis.call('DEL', p .. 'cohort')
  redis.call('SET', p .. 'opened', tostring(opens))
end
local number = tonumber(redis.call('GET', p .. 't:' .. token))
if not number then
  number = redis.call('INCR', p .. 'issued')
  redis.call('SET', p .. 't:' .. token, number, 'EX', ARGV[7])
end
local head = tonumber(redis.call('GET', p .. 'head') or '0')
local free = capacity - redis.call('ZCARD', admitted)
if free < 0 then free = 0 end
if number <= head + free then
  redis.call('ZADD', admitted, now, token)
  if number > head then redis.call('SET', p .. 'head', number) end
  return {'admitted', 0, 0}
end
local position = number - head - free
return {'waiting', position, tostring(position * window / capacity)}
"""


@dataclass(frozen=True)
class Place:
    """Where a token stands: ``state`` is ``admitted``, ``waiting`` or ``before_opening``.

    ``position`` is the place in line (1 = next) or, before the opening, how many are in the cohort;
    ``wait_seconds`` is an upper estimate of the wait (each place ahead frees at the latest after one
    window) or, before the opening, the seconds left until it.
    """

    state: str
    position: int = 0
    wait_seconds: int = 0

    @property
    def admitted(self):
        return self.state == "admitted"


_client = None


def client():
    """The Redis connection of this process (short timeouts: the waiting room must not hang)."""
    global _client
    if _client is None:
        timeout = settings.ADMISSION_REDIS_TIMEOUT
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
    return _client


def _key(name):
    return settings.ADMISSION_REDIS_PREFIX + name


def place(token):
    """Admit ``token`` or tell where it stands. Raises ``redis.RedisError`` when Redis cannot answer."""
    state, position, wait = client().eval(
        _SCRIPT,
        0,
        settings.ADMISSION_REDIS_PREFIX,
        token,
        settings.ADMISSION_WINDOW_SECONDS,
        secrets.randbits(31),
        settings.ADMISSION_CAPACITY,
        settings.ADMISSION_OPENS_AT,
        TICKET_TTL_SECONDS,
    )
    return Place(state.decode(), int(position), int(float(wait)))


def capacity():
    """The capacity in force: the operator's live value, else ``ADMISSION_CAPACITY`` (0 = no limit)."""
    live = client().get(_key("capacity"))
    return int(live) if live is not None else settings.ADMISSION_CAPACITY


def opens_at():
    """The scheduled opening in force, epoch seconds (0 = none)."""
    live = client().get(_key("opens_at"))
    return int(float(live)) if live is not None else settings.ADMISSION_OPENS_AT


def set_live(*, capacity, opens_at):
    """Change capacity and opening for every web process at once, without a restart."""
    client().mset({_key("capacity"): int(capacity), _key("opens_at"): int(opens_at)})


def is_limited():
    """Whether the waiting room is in force (capacity above zero). Raises ``redis.RedisError``."""
    return capacity() > 0


def admitted_count():
    return client().zcard(_key("admitted"))
