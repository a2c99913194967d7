"""Forms for signing in and managing a password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, Form, PasswordField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from portal.accounts.passwords import password_problem
from portal.core.forms import EmailAddressField

_EMAIL = [DataRequired("Enter your email address.")]


def acceptable_password(form: Form, field: Field) -> None:
    # The view may set `form.personal_words` (passwords.personal_words) so that a password
    # made of the person's own name or address is refused too.
    problem = password_problem(field.data or "", getattr(form, "personal_words", ()))
    if problem:
        raise ValidationError(problem)


class SignInForm(FlaskForm):
    email = EmailAddressField("Email", validators=_EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device for 30 days")


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a password."), acceptable_password],
        render_kw={"autocomplete": "new-password"},
        description="At least 8 characters. A long phrase you can remember is best.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailAddressField("Email", validators=_EMAIL, render_kw={"autocomplete": "email"})
