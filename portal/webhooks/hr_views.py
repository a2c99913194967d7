"""HR's webhook pages: the endpoints, registering and editing one, its secret (shown once),
and its delivery log with redelivery."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel.speaklater import LazyString
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    Form,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs

from portal.core.database import writes_on_get
from portal.core.extensions import db
from portal.core.forms import ConfirmForm, ask_first, require_confirmation
from portal.core.i18n import _, _l
from portal.core.ids import form_id, query_id
from portal.people import directory as people
from portal.people.access import hr_bp
from portal.people.models import User
from portal.webhooks import delivery as webhook_delivery
from portal.webhooks import endpoints as webhook_endpoints
from portal.webhooks import outbox
from portal.webhooks.endpoints import EVENT_LABELS, STATUS_WORDS, EndpointInput, WebhookError
from portal.webhooks.models import WebhookEndpoint

ALL_CANDIDATES = 0
# The id of the endpoint whose secret the next view of its page shows (the secret itself never
# goes into the session cookie; it is read from the database, once).
SHOW_SECRET = "webhook_secret_for"  # noqa: S105 - a session key, not a secret

# Saves a valid form's input: the endpoint saved, and what to tell HR.
_Save = Callable[[EndpointInput], tuple[WebhookEndpoint, str]]


def _scope_label(recruiter: User) -> str:
    if recruiter.is_active:
        return _("%(name)s's candidates", name=recruiter.name)
    return _("%(name)s's candidates (deactivated)", name=recruiter.name)


def _personal_hint() -> str:
    return _(
        "Every event carries %(always)s. Tick this only if the receiving system needs "
        "%(personal)s too, and may keep them: candidates are told which connected systems get "
        "them (on “What we record”).",
        always=_(outbox.ALWAYS_SENT),
        personal=_(outbox.PERSONAL_FIELDS),
    )


class EndpointForm(FlaskForm):
    """No brains: webhooks.endpoints checks everything and says what is wrong."""

    url = StringField(
        _l("Address (URL)"),
        render_kw={"type": "url", "autocomplete": "off", "spellcheck": "false"},
        description=_l(
            "Where the portal POSTs each event, such as https://ats.example.com/hooks. It must "
            "answer with a 2xx status; redirects are not followed."
        ),
    )
    description = StringField(
        _l("Description"),
        render_kw={"autocomplete": "off"},
        description=_l("Optional: what this receiver is, for your colleagues."),
    )
    event_types = SelectMultipleField(
        _l("Events to send"),
        choices=[SelectChoice(value, label) for value, label in EVENT_LABELS.items()],
        validate_choice=False,
    )
    recruiter_id = SelectField(
        _l("Whose candidates"),
        coerce=form_id,
        validate_choice=False,
        description=_l("Events about every candidate, or only about one recruiter's candidates."),
    )
    personal_fields = BooleanField(
        _l("Also send personal details"), description=LazyString(_personal_hint)
    )

    def __init__(
        self,
        *args: Any,
        recruiters: Iterable[User] = (),
        current: User | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The endpoint's own recruiter stays listed once deactivated, so that saving never
        # widens the scope to every candidate behind HR's back (the service then asks for a
        # choice).
        listed = list(recruiters)
        if current is not None and current not in listed:
            listed.append(current)
        self.recruiter_id.choices = [SelectChoice(ALL_CANDIDATES, _("All candidates"))] + [
            SelectChoice(recruiter.id, _scope_label(recruiter)) for recruiter in listed
        ]

    def input(self) -> EndpointInput:
        return EndpointInput(
            url=self.url.data or "",
            description=self.description.data or "",
            event_types=list(self.event_types.data or []),
            recruiter_id=self.recruiter_id.data or None,
            personal_fields=bool(self.personal_fields.data),
        )


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    found = webhook_endpoints.endpoint(endpoint_id)
    if found is None:
        abort(404)
    return found


class LogFilterForm(Form):
    """The delivery log's filter (a GET form: nothing changes, so no CSRF token). A state
    that cannot be read is reported beside the field and left out."""

    status = SelectField(
        _l("Status"),
        default="",
        validate_choice=False,
        choices=[SelectChoice("", _l("Every message"))]
        + [SelectChoice(value, label) for value, label in STATUS_WORDS.items()],
    )

    def validate_status(self, field: Field) -> None:
        if field.data and field.data not in STATUS_WORDS:
            raise ValidationError(_("Choose delivered, failed or waiting, or every message."))

    def wanted(self) -> str | None:
        """The state asked for, if it could be read (call after `validate`)."""
        return None if self.status.errors else self.status.data or None


def _form_page(
    form: EndpointForm, save: _Save, *, endpoint: WebhookEndpoint | None
) -> ResponseReturnValue:
    """Validate, save, commit and go to the endpoint; else the form again (422), errors beside
    their fields."""
    if form.validate_on_submit():
        try:
            saved, message = save(form.input())
        except WebhookError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("hr.webhook", endpoint_id=saved.id))
    status = 422 if form.is_submitted() else 200
    heading = _("Edit the webhook endpoint") if endpoint else _("Register a webhook endpoint")
    return render_template(
        "webhooks/endpoint_form.html",
        form=form,
        endpoint=endpoint,
        labels=EVENT_LABELS,
        heading=heading,
    ), status


@hr_bp.get("/webhooks")
def webhooks() -> ResponseReturnValue:
    """Every endpoint: address, events, scope, state, last delivery and message counts."""
    return render_template(
        "webhooks/endpoints.html", rows=webhook_endpoints.endpoint_rows(), labels=EVENT_LABELS
    )


@hr_bp.route("/webhooks/new", methods=["GET", "POST"])
def new_webhook() -> ResponseReturnValue:
    """Register an endpoint; its signing secret is shown once, on the next page."""
    form = EndpointForm(recruiters=people.active_recruiters())

    def save(data: EndpointInput) -> tuple[WebhookEndpoint, str]:
        created = webhook_endpoints.create_endpoint(current_user, data)
        session[SHOW_SECRET] = created.id
        return created, _("The endpoint is registered. Copy its signing secret now.")

    return _form_page(form, save, endpoint=None)


@hr_bp.get("/webhooks/<int:endpoint_id>")
@writes_on_get("webhook_endpoints")
def webhook(endpoint_id: int) -> ResponseReturnValue:
    """One endpoint: its settings, the secret right after creation or rotation, and its
    delivery log, newest first, 50 a page, optionally of one status."""
    found = _endpoint_or_404(endpoint_id)
    form = LogFilterForm(request.args)
    form.validate()
    status = form.wanted()
    before = request.args.get("before", type=query_id)
    log_page = webhook_endpoints.message_log(found.id, status, before)
    show_secret = False
    if session.get(SHOW_SECRET) == found.id:
        session.pop(SHOW_SECRET)
        show_secret = webhook_endpoints.take_secret_to_show(found)
        db.session.commit()
    page = render_template(
        "webhooks/endpoint.html",
        endpoint=found,
        log=log_page,
        form=form,
        status=status,
        filters={"status": status} if status else {},
        # On the redeliver buttons' actions, so that they come back to this page.
        back=({"status": status} if status else {}) | ({"before": before} if before else {}),
        first_page=before is None,
        status_words=STATUS_WORDS,
        log_page_size=webhook_endpoints.LOG_PAGE_SIZE,
        secret=found.secret if show_secret else None,
        labels=EVENT_LABELS,
        personal_fields=_(outbox.PERSONAL_FIELDS),
        retry_hours=current_app.config["WEBHOOK_RETRY_HOURS"],
        confirm=ConfirmForm(),
    )
    return page, 422 if form.errors else 200


@hr_bp.route("/webhooks/<int:endpoint_id>/edit", methods=["GET", "POST"])
def edit_webhook(endpoint_id: int) -> ResponseReturnValue:
    """Change an endpoint's address, description, events, scope or personal fields (the secret
    stays)."""
    found = _endpoint_or_404(endpoint_id)
    form = EndpointForm(
        recruiters=people.active_recruiters(),
        current=found.recruiter,
        data={
            "url": found.url,
            "description": found.description,
            "event_types": list(found.event_types or []),
            "recruiter_id": found.recruiter_id or ALL_CANDIDATES,
            "personal_fields": found.personal_fields,
        },
    )

    def save(data: EndpointInput) -> tuple[WebhookEndpoint, str]:
        changes = webhook_endpoints.update_endpoint(current_user, found, data)
        return found, _("Changes saved.") if changes else _("Nothing changed.")

    return _form_page(form, save, endpoint=found)


def _action(endpoint_id: int, act: Callable[[WebhookEndpoint], None]) -> WebhookEndpoint:
    require_confirmation()
    found = _endpoint_or_404(endpoint_id)
    act(found)
    return found


@hr_bp.post("/webhooks/<int:endpoint_id>/disable")
def disable_webhook(endpoint_id: int) -> ResponseReturnValue:
    """Stop sending to an endpoint (once HR has confirmed); its waiting messages wait."""
    require_confirmation()
    found = _endpoint_or_404(endpoint_id)
    back = url_for("hr.webhook", endpoint_id=found.id)
    asking = ask_first(
        _("Disable the endpoint %(url)s?", url=found.url),
        detail=_("Nothing is sent to it until it is enabled again; events keep waiting for it."),
        button=_("Yes, disable it"),
        cancel=back,
    )
    if asking is not None:
        return asking
    if webhook_endpoints.disable_endpoint(current_user, found):
        db.session.commit()
        flash(_("The endpoint is disabled: nothing is sent to it until it is enabled."), "success")
    else:
        flash(_("The endpoint was already disabled."), "info")
    return redirect(back)


@hr_bp.post("/webhooks/<int:endpoint_id>/enable")
def enable_webhook(endpoint_id: int) -> ResponseReturnValue:
    """Send to an endpoint again."""

    def act(found: WebhookEndpoint) -> None:
        if webhook_endpoints.enable_endpoint(current_user, found):
            db.session.commit()
            flash(_("The endpoint is enabled: waiting messages go out first."), "success")
        else:
            flash(_("The endpoint was already enabled."), "info")

    found = _action(endpoint_id, act)
    return redirect(url_for("hr.webhook", endpoint_id=found.id))


@hr_bp.post("/webhooks/<int:endpoint_id>/rotate")
def rotate_webhook_secret(endpoint_id: int) -> ResponseReturnValue:
    """Replace the signing secret (once HR has confirmed: the receiver must be given the new
    one, or it refuses what is sent); the new one is shown once."""
    require_confirmation()
    found = _endpoint_or_404(endpoint_id)
    back = url_for("hr.webhook", endpoint_id=found.id)
    asking = ask_first(
        _("Replace the signing secret of %(url)s?", url=found.url),
        detail=_(
            "The old secret stops working at once: until the receiving system has the new "
            "one, it refuses what the portal sends. The new secret is shown once."
        ),
        button=_("Yes, replace the secret"),
        cancel=back,
    )
    if asking is not None:
        return asking
    webhook_endpoints.rotate_secret(current_user, found)
    db.session.commit()
    session[SHOW_SECRET] = found.id
    flash(_("A new signing secret is in use. Copy it now."), "success")
    return redirect(back)


@hr_bp.post("/webhooks/<int:endpoint_id>/test")
def test_webhook(endpoint_id: int) -> ResponseReturnValue:
    """Queue a "webhook.test" event for this endpoint only."""

    def act(found: WebhookEndpoint) -> None:
        try:
            webhook_endpoints.queue_test_event(current_user, found)
        except WebhookError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("A test event is queued: it appears in the log below once sent."), "success")

    found = _action(endpoint_id, act)
    return redirect(url_for("hr.webhook", endpoint_id=found.id))


@hr_bp.post("/webhooks/<int:endpoint_id>/messages/<int:message_id>/redeliver")
def redeliver_webhook(endpoint_id: int, message_id: int) -> ResponseReturnValue:
    """Send a delivered or failed message again, with the same webhook-id."""
    require_confirmation()
    found = webhook_endpoints.message(endpoint_id, message_id)
    if found is None:
        abort(404)
    try:
        webhook_delivery.redeliver(current_user, found)
    except webhook_delivery.CannotRedeliver as refused:
        db.session.rollback()
        flash(str(refused), "warning")
    else:
        db.session.commit()
        flash(_("Message %(id)s is queued to be sent again.", id=found.webhook_id), "success")
    # Back to the same page of the same log: its filter and cursor are on the button's action.
    status = request.args.get("status", "")
    back: dict[str, Any] = {
        "status": status if status in STATUS_WORDS else None,
        "before": request.args.get("before", type=query_id),
    }
    return redirect(
        url_for(
            "hr.webhook",
            endpoint_id=endpoint_id,
            **{key: value for key, value in back.items() if value},
            _anchor=f"message-{message_id}",
        )
    )
