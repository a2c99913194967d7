"""The demo's first days: what day one looks like at each office the demo candidates join."""

from __future__ import annotations

from portal.people.models import User
from portal.timeline import day_one
from portal.timeline.day_one import DayOneFields

BRING = (
    "Your passport or national ID card\n"
    "Your bank details for payroll\n"
    "A signed copy of your contract"
)
AGENDA = (
    "09:30 Welcome coffee with your recruiter\n"
    "10:00 Laptop, badge and accounts with IT\n"
    "11:30 Meet your team\n"
    "12:30 Lunch with your buddy\n"
    "14:00 Tour of the office\n"
    "16:00 First one-to-one with your manager"
)

# Location → (address, whom to ask for, dress code).
OFFICES = {
    "Paris": (
        "12 rue de la Paix\n75002 Paris",
        "Ask for Camille Laurent at the front desk of building B.",
        "Smart casual",
    ),
    "London": (
        "1 Canada Square\nLondon E14 5AB",
        "Ask for Oliver Hughes at reception on the ground floor.",
        "Smart casual",
    ),
    "Berlin": (
        "Friedrichstraße 68\n10117 Berlin",
        "Ask for Lena Vogel at the front desk; she meets you there.",
        "Casual: jeans are fine",
    ),
    "Madrid": (
        "Calle de Alcalá 45\n28014 Madrid",
        "Ask for Lucía García at reception on the second floor.",
        "Casual",
    ),
}


def load(hr: User) -> None:
    """One first day per office, through the operation HR's page uses."""
    for location, (address, ask_for, dress_code) in OFFICES.items():
        values = DayOneFields(
            address=address, ask_for=ask_for, bring=BRING, dress_code=dress_code, agenda=AGENDA
        )
        day_one.save_plan(None, location, values, hr)
