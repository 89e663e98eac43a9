"""Sending to Slack: the Web API with a bot token, or an incoming webhook (the simple mode).

A failed request raises ``DeliveryError`` (monitor/notify/delivery.py): unsure when a timeout
or a 5xx came after the request went out; transient for 5xx, 429 and the network; permanent
for a malformed message and for the workspace's set-up (token, scopes, channel).

slack-sdk's retry handlers are set explicitly: connection failures before the request left
(``URLError``), 429 with ``Retry-After`` when the wait is short, and 5xx, except that a 500 on a
post is not retried in place: it may have posted, so the outbox retries it after a look at the
channel's history. Posts to one channel are paced (``slack.interval``).

The Web API sender can search a channel's recent history (conversations.history, with
metadata) for an alert's dedup key; the bot needs ``channels:history`` (``groups:history`` for
private channels) and, for channels given by name, ``channels:read``. An incoming webhook
cannot read anything: in webhook mode an alert whose earlier attempt may have been posted is
posted again, so a duplicate is possible there, overflow goes in follow-up messages instead of
a thread, and every destination posts to the webhook's own channel.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from typing import Any, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from monitor.config import SlackSettings
from monitor.notify.delivery import DeliveryError, Failure
from monitor.notify.render import EVENT_TYPE, Message

log = logging.getLogger(__name__)

HISTORY_PAGE = 200
HISTORY_PAGES = 5  # the newest 1000 messages since the alert was created are searched
MAX_INLINE_WAIT = 30.0  # a longer Retry-After is left to the outbox's schedule
PERMANENT = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "too_many_attachments",
    "invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large", "invalid_arguments",
    "invalid_payload", "invalid_form_data",
})  # fmt: skip
#: Errors of the workspace's set-up, whatever the method: every alert would fail the same way until
#: a person fixes the token, the bot's scopes or the channel (webhooks answer some of these too).
SETUP = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
    "missing_scope", "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
    "restricted_action", "team_access_not_granted", "no_service", "invalid_token", "team_disabled",
    "ekm_access_denied", "org_login_required",
})  # fmt: skip
#: Error codes Slack gives when it is itself in trouble: the same as a 5xx.
BUSY = frozenset({"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"})
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")
_TRANSPORT = (OSError, HTTPException, SlackClientError)  # OSError covers URLError and timeouts


@dataclass(frozen=True, slots=True)
class Posted:
    ts: str | None
    channel: str | None


@dataclass(frozen=True, slots=True)
class Found:
    """A message already in the channel that carries an alert's dedup key."""

    ts: str
    reply_count: int


class Sender(Protocol):
    """What the dispatcher needs from Slack."""

    can_search: bool

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted: ...

    def find(self, channel: str, dedup_key: str, *, oldest: datetime) -> Found | None: ...


def open_sender(settings: SlackSettings) -> Sender | None:
    """The Web API sender with a token, the webhook sender with a webhook URL, else None."""
    if settings.token is not None and settings.token.get_secret_value():
        return WebApiSender(settings)
    if settings.webhook_url is not None and settings.webhook_url.get_secret_value():
        return WebhookSender(settings)
    return None


def retry_handlers(settings: SlackSettings, *, is_post: Callable[[str], bool]) -> list[RetryHandler]:
    """Connection errors before sending, short rate limits, and server errors that cannot duplicate."""
    max_wait = min(MAX_INLINE_WAIT, settings.lease / 4)
    return [
        ConnectionErrorRetryHandler(max_retry_count=2, error_types=[URLError]),
        _ShortRateLimitRetryHandler(max_retry_count=1, max_wait=max_wait),
        _PostSafeServerErrorRetryHandler(max_retry_count=2, is_post=is_post),
    ]


class _ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler, for waits short enough to sit out inside a lease."""

    def __init__(self, *, max_retry_count: int, max_wait: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
        value = str(headers.get("retry-after", "")).strip()
        return value.isdigit() and int(value) <= self.max_wait  # slack-sdk reads it as an int


class _PostSafeServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack-sdk's 5xx handler, except a 500 on a post (it may have gone through)."""

    def __init__(self, *, max_retry_count: int, is_post: Callable[[str], bool]) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.is_post = is_post

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 500 and self.is_post(request.url):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class _Pacer:
    """At most one message per ``interval`` seconds to each channel."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.last: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        last = self.last.get(channel)
        if last is not None and (pause := self.interval - (time.monotonic() - last)) > 0:
            time.sleep(pause)

    def done(self, channel: str) -> None:
        self.last[channel] = time.monotonic()


class WebApiSender:
    """chat.postMessage, conversations.history and conversations.list through slack-sdk's WebClient."""

    can_search = True

    def __init__(self, settings: SlackSettings) -> None:
        assert settings.token is not None
        base = settings.api_url if settings.api_url.endswith("/") else settings.api_url + "/"
        self.client = WebClient(
            token=settings.token.get_secret_value(),
            base_url=base,
            timeout=settings.timeout,
            retry_handlers=retry_handlers(settings, is_post=lambda url: url.endswith("/chat.postMessage")),
        )
        self.pacer = _Pacer(settings.interval)
        self.ids: dict[str, str] = {}

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """Post one message; DeliveryError says whether it may have been posted anyway."""
        self.pacer.wait(channel)
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.block_dicts() or None,
                metadata=message.metadata,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise _api_failure("chat.postMessage", exc, posting=True) from exc
        except _TRANSPORT as exc:
            raise _transport_failure("chat.postMessage", exc) from exc
        finally:
            self.pacer.done(channel)
        channel_id = response.get("channel")
        if isinstance(channel_id, str):
            self.ids[channel.lstrip("#")] = channel_id
        ts = response.get("ts")
        return Posted(ts=str(ts) if ts is not None else None, channel=channel_id)

    def find(self, channel: str, dedup_key: str, *, oldest: datetime) -> Found | None:
        """The channel's message carrying this dedup key in its metadata, if any."""
        channel_id = self.channel_id(channel)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            data = self._call(
                "conversations.history",
                self.client.conversations_history,
                channel=channel_id,
                oldest=f"{oldest.timestamp():.6f}",
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
            for message in data.get("messages") or []:
                if _dedup_key(message) == dedup_key:
                    return Found(ts=str(message["ts"]), reply_count=int(message.get("reply_count") or 0))
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        log.warning(
            "slack: %s searched %d messages without finding %s", channel, HISTORY_PAGE * HISTORY_PAGES, dedup_key
        )
        return None

    def channel_id(self, channel: str) -> str:
        """The ID of a channel given by ID or name (conversations.list, once per name)."""
        if _CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#")
        cursor: str | None = None
        while name not in self.ids:
            data = self._call(
                "conversations.list",
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            for found in data.get("channels") or []:
                self.ids[str(found.get("name"))] = str(found.get("id"))
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None and name not in self.ids:
                raise DeliveryError(
                    f"cannot find channel {channel} to check for an earlier post "
                    "(invite the bot; it needs channels:read)",
                    failure=Failure.PERMANENT,
                )
        return self.ids[name]

    def _call(self, method: str, call: Callable[..., SlackResponse], **arguments: Any) -> dict[str, Any]:
        try:
            data = call(**arguments).data
        except SlackApiError as exc:
            raise _api_failure(method, exc, posting=False) from exc
        except _TRANSPORT as exc:
            raise _transport_failure(method, exc) from exc
        return data if isinstance(data, dict) else {}


class WebhookSender:
    """An incoming webhook: posts only, to the webhook's own channel; no history to search."""

    can_search = False

    def __init__(self, settings: SlackSettings) -> None:
        assert settings.webhook_url is not None
        self.client = WebhookClient(
            settings.webhook_url.get_secret_value(),
            timeout=settings.timeout,
            retry_handlers=retry_handlers(settings, is_post=lambda url: True),
        )
        self.pacer = _Pacer(settings.interval)

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> Posted:
        """Post one message (a thread reply becomes a plain follow-up message)."""
        self.pacer.wait("webhook")
        try:
            response = self.client.send(
                text=message.text,
                blocks=message.block_dicts() or None,
                unfurl_links=False,
                unfurl_media=False,
                metadata=message.metadata.to_dict() if message.metadata else None,
            )
        except _TRANSPORT as exc:
            raise _transport_failure("webhook", exc) from exc
        finally:
            self.pacer.done("webhook")
        if response.status_code != 200:
            error = (response.body or "").strip()[:100] or f"HTTP {response.status_code}"
            raise _failure("webhook", response.status_code, error, _retry_after(response.headers), posting=True)
        return Posted(ts=None, channel=None)

    def find(self, channel: str, dedup_key: str, *, oldest: datetime) -> Found | None:
        return None


def _dedup_key(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != EVENT_TYPE:
        return None
    key = (meta.get("event_payload") or {}).get("dedup_key")
    return key if isinstance(key, str) else None


def _api_failure(method: str, exc: SlackApiError, *, posting: bool) -> DeliveryError:
    response = exc.response
    error = response.get("error") if isinstance(response.data, dict) else None
    return _failure(
        method,
        response.status_code,
        str(error or f"HTTP {response.status_code}"),
        _retry_after(response.headers),
        posting=posting,
    )


def _failure(method: str, status: int, error: str, retry_after: float | None, *, posting: bool) -> DeliveryError:
    if status == 429 or error == "ratelimited":
        wait = f" (retry after {retry_after:g}s)" if retry_after is not None else ""
        return DeliveryError(f"{method}: rate limited{wait}", retry_after=retry_after, failure=Failure.TRANSIENT)
    if status >= 500 or error in BUSY:
        return DeliveryError(f"{method}: Slack answered {status} ({error})", unsure=posting, failure=Failure.TRANSIENT)
    if error in SETUP:
        return DeliveryError(f"{method}: {error} ({_SETUP_HINT})", failure=Failure.PERMANENT)
    permanent = posting and error in PERMANENT
    return DeliveryError(f"{method}: {error}", failure=Failure.PERMANENT if permanent else Failure.UNKNOWN)


_SETUP_HINT = "check slack.token, the bot's scopes and that it is in the channel"


def _transport_failure(method: str, exc: Exception) -> DeliveryError:
    if isinstance(exc, URLError):  # urllib wraps the errors raised before the request was sent
        return DeliveryError(f"{method}: cannot reach Slack: {exc.reason}", failure=Failure.TRANSIENT)
    kind = "timed out" if isinstance(exc, TimeoutError) else f"failed ({type(exc).__name__}: {exc})"
    return DeliveryError(f"{method}: {kind} after the request went out", unsure=True, failure=Failure.TRANSIENT)


def _retry_after(headers: Any) -> float | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except (TypeError, ValueError):
                return None
    return None
