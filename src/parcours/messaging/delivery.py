"""The outbox relay: claim a due row with a lease, deliver it, record the attempt.

- Claiming is one short transaction per row. PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so
  two workers never take the same row and never wait on each other. SQLite: transactions begin
  IMMEDIATE (settings), which serialises claimers; there is one writer anyway.
- The network call happens outside any transaction, under a lease. A worker that crashes keeps
  the row `in_flight` until the lease expires; then any worker claims it again and the unfinished
  attempt is recorded as interrupted. One row is claimed at a time so that a crash strands one
  message, not a batch.
- A row is marked delivered only after the transport returned (SMTP accepted, the webhook said
  2xx), and only by the worker that still holds its lease. Delivery is therefore at least once;
  receivers dedupe on the stable id derived from the idempotency key (e-mail Message-ID,
  X-Parcours-Delivery), which makes it exactly once for the user.
- Failures back off exponentially with jitter, capped; after PARCOURS_NOTIFY_MAX_ATTEMPTS the row
  is dead (dead letter) and stays for an operator to inspect.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Q
from django.utils import timezone

from parcours.messaging.actions import digest_build
from parcours.messaging.models import AttemptOutcome, DeliveryAttempt, OutboxMessage, OutboxStatus
from parcours.messaging.transports import PermanentFailure, transport_for

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # longer than the slowest transport's timeout
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
DIGEST_HOUR = 7  # local time after which the daily digest is written
ERROR_LENGTH = 2000


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Delay before the next try after `attempts` failures: doubling, capped, with jitter.

    "Equal jitter": half the delay is fixed, half random, so retries of many rows that failed
    together (SMTP down) spread out instead of returning as a storm.
    """
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return ceiling * (0.5 + rng.random() / 2)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Claim:
    message: OutboxMessage
    attempt: DeliveryAttempt


class Relay:
    def __init__(
        self,
        *,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = timezone.now,
        rng: random.Random | None = None,
        max_attempts: int | None = None,
    ) -> None:
        self.worker_id = worker_id or default_worker_id()
        self.clock = clock
        self.rng = rng or random.Random()
        self.max_attempts = max_attempts or settings.NOTIFY_MAX_ATTEMPTS
        self.current: Claim | None = None
        self._digest_day: date | None = None

    # Claiming -------------------------------------------------------------------------------

    def claim(self) -> Claim | None:
        """Take the next due row, or None. Rows found dead on the way are skipped."""
        while True:
            now = self.clock()
            due = Q(
                status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED], next_attempt_at__lte=now
            )
            expired = Q(status=OutboxStatus.IN_FLIGHT, lease_until__lt=now)
            with transaction.atomic():
                rows = OutboxMessage.objects.filter(due | expired).order_by("next_attempt_at", "pk")
                if connections[rows.db].features.has_select_for_update_skip_locked:
                    rows = rows.select_for_update(skip_locked=True)
                message = rows.first()
                if message is None:
                    return None
                if message.status == OutboxStatus.IN_FLIGHT:
                    self._interrupted(message, now, "lease expired: the worker stopped or crashed")
                    if message.attempts >= self.max_attempts:
                        self._set_dead(message, now, "lease expired after the last attempt")
                        continue
                message.status = OutboxStatus.IN_FLIGHT
                message.lease_until = now + LEASE
                message.lease_owner = self.worker_id
                message.attempts += 1
                message.save(update_fields=["status", "lease_until", "lease_owner", "attempts"])
                attempt = DeliveryAttempt.objects.create(
                    message=message, number=message.attempts, worker=self.worker_id, started_at=now
                )
            return Claim(message, attempt)

    def _interrupted(self, message: OutboxMessage, now: datetime, error: str) -> None:
        DeliveryAttempt.objects.filter(message=message, finished_at__isnull=True).update(
            finished_at=now, outcome=AttemptOutcome.INTERRUPTED, error=error
        )

    def _set_dead(self, message: OutboxMessage, now: datetime, error: str) -> None:
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.DEAD, lease_until=None, lease_owner="", last_error=error
        )
        logger.warning("outbox %s is dead after %s attempts", message.pk, message.attempts)

    # Delivering -----------------------------------------------------------------------------

    def deliver(self, claim: Claim) -> str:
        """Deliver one claimed row; returns its new status."""
        message = claim.message
        self.current = claim
        try:
            transport_for(message.channel)(message, self.clock())
        except PermanentFailure as exc:
            return self._finish(claim, error=str(exc), permanent=True)
        except Exception as exc:
            return self._finish(claim, error=f"{exc}" or type(exc).__name__)
        except BaseException:
            # Forced stop (second SIGTERM, Ctrl+C) in the middle of a delivery: whether the
            # recipient got it is unknown, so make the row claimable again at once.
            self.release(claim)
            raise
        finally:
            self.current = None
        return self._finish(claim, error=None)

    def _finish(self, claim: Claim, *, error: str | None, permanent: bool = False) -> str:
        message, attempt = claim.message, claim.attempt
        now = self.clock()
        if error is None:
            status, outcome = OutboxStatus.DELIVERED, AttemptOutcome.DELIVERED
            changes: dict[str, object] = {"delivered_at": now, "last_error": ""}
        else:
            error = error[:ERROR_LENGTH]
            outcome = AttemptOutcome.FAILED
            changes = {"last_error": error}
            if permanent or message.attempts >= self.max_attempts:
                status = OutboxStatus.DEAD
            else:
                status = OutboxStatus.FAILED
                changes["next_attempt_at"] = now + backoff(message.attempts, self.rng)
        with transaction.atomic():
            # Only the lease holder records the result: if the lease expired and another worker
            # took the row, its attempt decides.
            owned = OutboxMessage.objects.filter(
                pk=message.pk, status=OutboxStatus.IN_FLIGHT, lease_owner=self.worker_id
            )
            updated = owned.update(status=status, lease_until=None, lease_owner="", **changes)
            DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                finished_at=now, outcome=outcome, error=error or ""
            )
        if not updated:
            logger.warning("outbox %s: lease lost before the result was recorded", message.pk)
        elif status == OutboxStatus.DEAD:
            logger.warning("outbox %s is dead: %s", message.pk, error)
        return status

    def release(self, claim: Claim) -> None:
        """Give a claimed row back (interrupted attempt, claimable again now)."""
        now = self.clock()
        with transaction.atomic():
            OutboxMessage.objects.filter(
                pk=claim.message.pk, status=OutboxStatus.IN_FLIGHT, lease_owner=self.worker_id
            ).update(
                status=OutboxStatus.FAILED, lease_until=None, lease_owner="", next_attempt_at=now
            )
            DeliveryAttempt.objects.filter(pk=claim.attempt.pk, finished_at__isnull=True).update(
                finished_at=now, outcome=AttemptOutcome.INTERRUPTED, error="worker stopped"
            )

    def release_leases(self) -> int:
        """On shutdown: give back every row this worker still holds."""
        now = self.clock()
        with transaction.atomic():
            held = OutboxMessage.objects.filter(
                status=OutboxStatus.IN_FLIGHT, lease_owner=self.worker_id
            )
            ids = list(held.values_list("pk", flat=True))
            DeliveryAttempt.objects.filter(message_id__in=ids, finished_at__isnull=True).update(
                finished_at=now, outcome=AttemptOutcome.INTERRUPTED, error="worker stopped"
            )
            held.update(
                status=OutboxStatus.FAILED, lease_until=None, lease_owner="", next_attempt_at=now
            )
        return len(ids)

    # Loops ----------------------------------------------------------------------------------

    def run(self, *, limit: int | None = None, should_stop: Callable[[], bool] = bool) -> int:
        """Deliver due rows until none is left, `limit` is reached or `should_stop()`."""
        done = 0
        while limit is None or done < limit:
            if should_stop():
                break
            claim = self.claim()
            if claim is None:
                break
            self.deliver(claim)
            done += 1
        return done

    def digest_if_due(self) -> int:
        """Write today's digests once the local digest hour has passed (idempotent)."""
        now = self.clock()
        local = timezone.localtime(now)
        if local.hour < DIGEST_HOUR or self._digest_day == local.date():
            return 0
        written = digest_build(now=now)
        self._digest_day = local.date()
        return written

    def tick(self, *, limit: int | None = 50, should_stop: Callable[[], bool] = bool) -> int:
        """One pass of the worker loop: digests when due, then due deliveries."""
        self.digest_if_due()
        return self.run(limit=limit, should_stop=should_stop)


def backlog() -> dict[str, int]:
    """Rows per status, for operators (`parcours notifications status`)."""
    counts = {status.value: 0 for status in OutboxStatus}
    rows = OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).order_by()
    for status, n in rows:
        counts[status] = n
    return counts
