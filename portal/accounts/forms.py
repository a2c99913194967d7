"""Forms for signing in and managing a password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, Form, PasswordField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from portal.accounts.passwords import password_problem
from portal.core.forms import EmailAddressField
from portal.core.i18n import _l

_EMAIL = [DataRequired(_l("Enter your email address."))]


def acceptable_password(form: Form, field: Field) -> None:
    # The view may set `form.personal_words` (passwords.personal_words) so that a password
    # made of the person's own name or address is refused too.
    problem = password_problem(field.data or "", getattr(form, "personal_words", ()))
    if problem:
        raise ValidationError(problem)


class SignInForm(FlaskForm):
    email = EmailAddressField(
        _l("Email"), validators=_EMAIL, render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a password.")), acceptable_password],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters. A long phrase you can remember is best."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailAddressField(_l("Email"), validators=_EMAIL, render_kw={"autocomplete": "email"})
