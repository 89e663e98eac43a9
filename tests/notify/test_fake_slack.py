"""The fake Slack server speaks enough of the Web API for slack-sdk (other tests rely on it)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack import FakeSlack, Fault
from tests.notify.conftest import TOKEN


def client(fake: FakeSlack, token: str = TOKEN) -> WebClient:
    return WebClient(token=token, base_url=fake.api_url, timeout=2, retry_handlers=[])


def test_auth_post_history_and_list(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    assert web.auth_test()["user_id"] == "U0BOT"
    for n in range(3):
        web.chat_postMessage(channel="#general", text=f"m{n}", metadata={"event_type": "e", "event_payload": {"n": n}})
    channel = fake_slack.channel_id("#general")
    page = web.conversations_history(channel=channel, limit=2, include_all_metadata=True)
    assert [m["text"] for m in page["messages"]] == ["m2", "m1"] and page["has_more"]
    rest = web.conversations_history(channel=channel, limit=2, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m0"] and "metadata" not in rest["messages"][0]
    assert page["messages"][0]["metadata"] == {"event_type": "e", "event_payload": {"n": 2}}
    assert [c["id"] for c in web.conversations_list()["channels"]] == [channel]
    with pytest.raises(SlackApiError, match="channel_not_found"):
        web.conversations_history(channel="#general")  # Slack wants the ID


def test_faults_and_auth(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as bad_token:
        client(fake_slack, token="xoxb-wrong").auth_test()
    assert bad_token.value.response["error"] == "invalid_auth"
    fake_slack.script("chat.postMessage", Fault(status=429, retry_after=7), Fault(error="channel_not_found"))
    with pytest.raises(SlackApiError) as limited:
        client(fake_slack).chat_postMessage(channel="#x", text="t")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "7"
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client(fake_slack).chat_postMessage(channel="#x", text="t")
    assert client(fake_slack).chat_postMessage(channel="#x", text="t")["ok"]
    assert len(fake_slack.requests("chat.postMessage")) == 3 and len(fake_slack.messages("#x")) == 1
    assert fake_slack.messages("#nowhere") == []


def test_limits_are_enforced_like_slack(fake_slack: FakeSlack) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client(fake_slack).chat_postMessage(channel="#x", text="t", blocks=blocks)


def test_incoming_webhook(fake_slack: FakeSlack) -> None:
    hook = WebhookClient(fake_slack.webhook_url, timeout=2)
    assert hook.send(text="hello").status_code == 200
    fake_slack.script("webhook", Fault(status=404, error="no_service"))
    refused = hook.send(text="again")
    assert (refused.status_code, refused.body) == (404, "no_service")
    assert [m.text for m in fake_slack.messages("#webhook")] == ["hello"]
