"""Rate buckets in the database, so that every worker sharing a subscription draws from the
same ARM budget. Each take is one short transaction holding the bucket's row lock."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from goldfleet.domain.rate_limits import BucketLimit, refill, wait_for_token
from goldfleet.store.tables import rate_buckets


class SqlBuckets:
    """A :class:`goldfleet.domain.rate_limits.BucketStore` over ``goldfleet_rate_buckets``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _row(
        self, connection: Connection, key: str, limit: BucketLimit, now: float
    ) -> tuple[float, float]:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(
            insert(rate_buckets)
            .values(key=key, tokens=limit.burst, updated=now, blocked_until=0.0)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = connection.execute(
            select(rate_buckets.c.tokens, rate_buckets.c.updated, rate_buckets.c.blocked_until)
            .where(rate_buckets.c.key == key)
            .with_for_update()
        ).one()
        tokens = refill(row.tokens, row.updated, row.blocked_until, limit, now)
        return tokens, row.blocked_until

    def _save(
        self, connection: Connection, key: str, tokens: float, now: float, blocked: float
    ) -> None:
        connection.execute(
            update(rate_buckets)
            .where(rate_buckets.c.key == key)
            .values(tokens=tokens, updated=now, blocked_until=blocked)
        )

    def take(self, key: str, limit: BucketLimit, now: float) -> float:
        with self.engine.begin() as connection:
            tokens, blocked = self._row(connection, key, limit, now)
            if blocked <= now and tokens >= 1:
                self._save(connection, key, tokens - 1, now, blocked)
                return 0.0
            self._save(connection, key, tokens, now, blocked)
            return wait_for_token(tokens, blocked, limit, now)

    def observe(self, key: str, limit: BucketLimit, remaining: float, now: float) -> None:
        with self.engine.begin() as connection:
            tokens, blocked = self._row(connection, key, limit, now)
            self._save(connection, key, min(tokens, remaining), now, blocked)

    def block(self, key: str, limit: BucketLimit, until: float, now: float) -> None:
        with self.engine.begin() as connection:
            tokens, blocked = self._row(connection, key, limit, now)
            self._save(connection, key, min(tokens, 0.0), now, max(blocked, until))
