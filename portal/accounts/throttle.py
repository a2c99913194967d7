"""Failed sign-in throttling, per account and per client address.

Limits come from configuration as `limits` strings ("5 per minute;20 per hour"): the short one
slows a guesser down, the long one refuses for longer. The counts live in the portal's one
rate-limit store (`portal.core.rate_limits`): in-process by default, Redis
(RATELIMIT_STORAGE_URI=redis://...) when several workers or hosts must share them; with the
store down, sign-in goes on unthrottled (and the log says so) rather than failing.
"""

from __future__ import annotations

from flask import current_app

from portal.core import rate_limits


def _keys(email: str, address: str) -> list[tuple[str, str]]:
    config = current_app.config
    # Hash the email so the store never holds addresses, known or unknown.
    return [
        (config["SIGN_IN_LIMITS_PER_ACCOUNT"], "sign-in:account:" + rate_limits.private_key(email)),
        (config["SIGN_IN_LIMITS_PER_ADDRESS"], f"sign-in:ip:{address}"),
    ]


def sign_in_retry_after(email: str, address: str) -> int:
    """Seconds until another attempt is allowed, or 0 if one is allowed now."""
    return max(rate_limits.retry_after(limits, key) for limits, key in _keys(email, address))


def record_sign_in_failure(email: str, address: str) -> None:
    for limits, key in _keys(email, address):
        rate_limits.record(limits, key)


def clear_account(email: str) -> None:
    """Forget an account's failures after it signs in successfully."""
    limits, key = _keys(email, "")[0]
    rate_limits.clear(limits, key)


def _address_key(address: str) -> tuple[str, str]:
    return _keys("", address)[1]


def address_retry_after(address: str) -> int:
    """Seconds until this client address may try again (single sign-on, whose callbacks name no
    account before they succeed): the same per-address count as password sign-ins, so mixing
    the two buys no extra tries."""
    limits, key = _address_key(address)
    return rate_limits.retry_after(limits, key)


def record_address_failure(address: str) -> None:
    limits, key = _address_key(address)
    rate_limits.record(limits, key)
