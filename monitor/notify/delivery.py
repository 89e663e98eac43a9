"""How one delivery failed, for Slack and e-mail alike: the dispatcher decides from this alone.

NotifyError
 └── DeliveryError    ``unsure`` when it may have gone out anyway, ``retry_after`` when the
                      service asked us to wait, and ``failure``: transient (down, busy,
                      unreachable: retried for as long as it takes), permanent (a person
                      must fix a token, a channel, an address: dead at once) or unknown
                      (dead after max_attempts)
"""

from __future__ import annotations

import enum

from monitor.errors import NotifyError


class Failure(enum.Enum):
    """What a failed delivery says about the next attempt."""

    TRANSIENT = "transient"  # the service is down or busy: retried as long as it takes, never dead
    PERMANENT = "permanent"  # resending cannot help until a person acts: dead at once
    UNKNOWN = "unknown"  # anything else: dead after max_attempts


class DeliveryError(NotifyError):
    """One delivery failed; says whether it may have gone out, when to try again, and what kind it was."""

    def __init__(
        self,
        message: str,
        *,
        unsure: bool = False,
        retry_after: float | None = None,
        failure: Failure = Failure.UNKNOWN,
    ) -> None:
        super().__init__(message)
        self.unsure = unsure
        self.retry_after = retry_after
        self.failure = failure

    def again(self, prefix: str, *, unsure: bool | None = None) -> DeliveryError:
        """The same failure, told with more context (and, once unsure, unsure)."""
        return DeliveryError(
            f"{prefix}{self}",
            unsure=self.unsure if unsure is None else unsure,
            retry_after=self.retry_after,
            failure=self.failure,
        )
