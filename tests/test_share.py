"""Signed report links: a token opens exactly the view it was made for, until it expires."""

from __future__ import annotations

import pytest

from experiments import share

SECRET = "s3cret-for-tests"
PARAMS = {"experiment": "1", "horizon": "60", "correction": "holm", "view": "report"}


def signed(params=PARAMS, ttl=3600, now=1_000_000.0):
    return {**params, "token": share.sign(params, SECRET, ttl_seconds=ttl, now=now)}


def test_valid_token_is_accepted_before_expiry():
    check = share.verify(signed(), SECRET, now=1_000_000.0 + 3599)
    assert check.ok and check.expires_at == 1_003_600


def test_parameter_order_does_not_matter():
    params = signed()
    reordered = dict(reversed(list(params.items())))
    assert share.verify(reordered, SECRET, now=1_000_000.0).ok


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"experiment": "2"}, "tampered"),
        ({"horizon": "90"}, "tampered"),
        ({"view": "editor"}, "tampered"),
        ({"extra": "1"}, "tampered"),
    ],
)
def test_any_altered_parameter_is_refused(change, status):
    params = {**signed(), **change}
    check = share.verify(params, SECRET, now=1_000_000.0)
    assert check.status == status and not check.ok
    assert "changed" in check.message


def test_altered_expiry_is_refused():
    params = signed()
    expires, _, mac = params["token"].partition(".")
    params["token"] = f"{int(expires) + 86_400}.{mac}"
    assert share.verify(params, SECRET, now=1_000_000.0).status == "tampered"


def test_other_secret_is_refused():
    assert share.verify(signed(), "another", now=1_000_000.0).status == "tampered"


def test_expired_token_is_refused_with_message():
    check = share.verify(signed(ttl=60), SECRET, now=1_000_000.0 + 61)
    assert check.status == "expired" and "expired" in check.message


@pytest.mark.parametrize("token", ["", "abc", "123", "x.y", ".zzz"])
def test_missing_or_malformed_token(token):
    check = share.verify({**PARAMS, "token": token}, SECRET, now=0)
    assert check.status in {"missing", "malformed", "tampered"} and not check.ok


def test_share_url_carries_every_parameter():
    url = share.share_url("http://10.0.0.5:8501/", "results", {"experiment": "1", "cap": "on"})
    assert url == "http://10.0.0.5:8501/results?experiment=1&cap=on"
    assert share.share_url("http://h:1", "", {}) == "http://h:1/"


def test_a_signed_report_link_opens_in_another_language():
    """The language is not part of what a token binds (#12): a reader may switch it."""
    from experiments.share import TOKEN_PARAM, sign, verify

    params = {"experiment": "1", "view": "report", "lang": "ru"}
    token = sign(params, "s3cret", ttl_seconds=60)
    assert verify({**params, TOKEN_PARAM: token, "lang": "en"}, "s3cret").ok
    assert not verify({**params, TOKEN_PARAM: token, "experiment": "2"}, "s3cret").ok
