"""Who may sign in with the company's single sign-on, and as what.

The provider (accounts.oidc has verified its answer) names a person by issuer and subject. The
first time, that identity is linked to the active staff account with the provider's *verified*
email address, or, when nobody has that address and the provider gives the person a staff role,
a staff account is made for them (just-in-time provisioning). Every sign-in sets the role from
the provider's role claim (OIDC_ROLE_CLAIM through OIDC_ROLE_MAP), through the same role change
HR makes, so everything granted under the old role ends (accounts.credentials).

Refused, with a message for the person: no mapped role, an unverified email address for an
identity not linked yet, a closed account, a candidate's account (candidates only ever sign in
with their password), an account already linked to another identity at the provider.

Plain module: flushes only; the view commits, or rolls back and records the refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.accounts import operations
from portal.accounts.models import StaffIdentity
from portal.core import clock
from portal.core.extensions import db
from portal.core.forms import time_zone_names
from portal.core.i18n import _
from portal.core.inputs import InputError, email_address, person_name
from portal.people import audit
from portal.people.models import Role, User

# When the provider's groups map to both, the person gets the role that can do more.
ROLE_ORDER = (Role.HR, Role.RECRUITER)


@dataclass(frozen=True)
class ProviderIdentity:
    """A person as the provider named them, verified: its issuer, their subject there, and
    every claim it sent (ID token, completed from userinfo)."""

    issuer: str
    subject: str
    claims: Mapping[str, Any]


class SsoRefusal(Exception):
    """The provider vouched for the person, but the portal does not let them in: `message` for
    them, `reason` for the audit log, `user` the account concerned when there is one."""

    def __init__(self, message: str, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason
        self.user_id = user.id if user else None


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """The values of claim `name` as a list of strings: a string claim, a list of them, or a
    nested one by its dotted path ("realm_access.roles"). Empty when absent."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_role(
    claims: Mapping[str, Any], role_claim: str, role_map: Mapping[str, Role]
) -> Role | None:
    """The staff role the claim's values map to (HR over recruiter), or None."""
    roles = {role_map[value] for value in claim_values(claims, role_claim) if value in role_map}
    return next((role for role in ROLE_ORDER if role in roles), None)


def verified_email(claims: Mapping[str, Any]) -> str | None:
    """The email address, as the portal stores it, if the provider says it verified it."""
    verified = claims.get("email_verified")
    if verified is not True and str(verified).lower() != "true":
        return None
    try:
        return email_address(str(claims.get("email") or ""))
    except InputError:
        return None


def name_from_claims(claims: Mapping[str, Any], email: str) -> str:
    """The person's name for a new account: `name`, else given and family names, else the
    provider's user name, else the part of the email address before the @."""
    candidates = [
        claims.get("name"),
        " ".join(str(claims.get(part) or "") for part in ("given_name", "family_name")),
        claims.get("preferred_username"),
        email.partition("@")[0].replace(".", " ").title(),
    ]
    for candidate in candidates:
        try:
            return person_name(str(candidate or ""))
        except InputError:
            continue
    return email  # an address always holds a letter: the name HR can change later


def _zone(claims: Mapping[str, Any]) -> str:
    zone = claims.get("zoneinfo")
    return zone if isinstance(zone, str) and zone in time_zone_names() else "UTC"


def _linked_identity(issuer: str, subject: str) -> StaffIdentity | None:
    return db.session.scalar(
        select(StaffIdentity).where(
            StaffIdentity.issuer == issuer, StaffIdentity.subject == subject
        )
    )


def _check_account(user: User, provider: str) -> None:
    if user.role == Role.CANDIDATE:
        raise SsoRefusal(
            _(
                "This email address belongs to a candidate's account. Candidates sign in with "
                "their email address and password, not with %(provider)s.",
                provider=provider,
            ),
            "a candidate's account",
            user,
        )
    if not user.is_active:
        raise SsoRefusal(
            _("This account has been closed. Contact your HR team if this is a mistake."),
            "account closed",
            user,
        )


def _link(identity: ProviderIdentity, user: User, provider: str) -> StaffIdentity:
    """Link the provider's identity to `user`, unless another identity there already is."""
    other = db.session.scalar(
        select(StaffIdentity.id).where(
            StaffIdentity.issuer == identity.issuer, StaffIdentity.user_id == user.id
        )
    )
    if other is not None:
        raise SsoRefusal(
            _(
                "This account is already linked to another %(provider)s identity. Ask your HR "
                "team to check who it belongs to.",
                provider=provider,
            ),
            "account linked to another identity",
            user,
        )
    link = StaffIdentity(issuer=identity.issuer, subject=identity.subject, user_id=user.id)
    db.session.add(link)
    audit.record(None, "sso_linked", user, subject=f"{provider}: {identity.subject}")
    return link


def sign_in(
    identity: ProviderIdentity, *, role_claim: str, role_map: Mapping[str, Role], provider: str
) -> User:
    """The staff account `identity` signs in to, linked or made if need be, with its role set
    from the provider's claim; SsoRefusal when the portal does not let the person in."""
    claims = identity.claims
    role = mapped_role(claims, role_claim, role_map)
    link = _linked_identity(identity.issuer, identity.subject)
    user: User | None
    email = None
    if link is not None:
        user = link.user
    else:
        email = verified_email(claims)
        if email is None:
            raise SsoRefusal(
                _(
                    "%(provider)s has not confirmed your email address, so the portal cannot "
                    "tell which account is yours. Ask your IT team to verify it.",
                    provider=provider,
                ),
                "email address not verified by the provider",
            )
        user = operations.find_by_email(email)
    if user is not None:
        _check_account(user, provider)
    if role is None:
        raise SsoRefusal(
            _(
                "%(provider)s does not give you a role in this portal, so you could not be "
                "signed in. Ask your IT team to add you to the recruiters' or HR's group.",
                provider=provider,
            ),
            f"no portal role in the {role_claim} claim",
            user,
        )
    if user is None:
        assert email is not None  # noqa: S101 - looked up by it just above
        user = operations.create_user(
            actor=None,
            email=email,
            name=name_from_claims(claims, email),
            role=role,
            time_zone=_zone(claims),
        )
    if link is None:
        link = _link(identity, user, provider)
    if user.role != role:
        try:
            operations.change_role(user, role, None, subject=f"from {provider}")
        except operations.AccountError as error:
            raise SsoRefusal(
                _(
                    "%(provider)s now gives you the role “%(role)s”, but the portal cannot make "
                    "that change yet: %(why)s Ask your HR team.",
                    provider=provider,
                    role=_("HR") if role == Role.HR else _("recruiter"),
                    why=error.message,
                ),
                f"role {role.value} from the provider refused: {error.message}",
                user,
            ) from None
    link.last_signed_in_at = clock.now()
    audit.record(user, "signed_in", user, subject=f"with {provider}")
    db.session.flush()
    return user


def record_refusal(refusal: SsoRefusal, provider: str) -> None:
    """The refusal's audit entry (after the rest of the attempt was rolled back)."""
    user = db.session.get(User, refusal.user_id) if refusal.user_id else None
    audit.record(None, "sign_in_failed", user, subject=f"{provider}: {refusal.reason}")
