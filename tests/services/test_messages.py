"""A message carries its template and values (issue 18): its text is the CLI's English word for word, and
the template is what the console looks up in its catalogues."""

from __future__ import annotations

import pickle

import pydantic
import pytest

from ledgerbridge.services.common import (
    N_,
    InvalidConfiguration,
    Message,
    Problem,
    Setting,
    Title,
    UserError,
    Word,
    check_name,
    validation_problems,
)


def test_the_english_is_the_template_with_its_values() -> None:
    message = Message(N_("no error #%(id)s for %(name)r"), id=7, name="acme")
    assert message == "no error #7 for 'acme'" and isinstance(message, str)
    assert message.template == "no error #%(id)s for %(name)r"
    assert dict(message.values) == {"id": 7, "name": "acme"}


def test_words_lists_and_nested_messages_read_as_the_cli_wrote_them() -> None:
    inner = Message(N_("not connected: no token is stored for this connection"))
    outer = Message(N_("%(name)s must be connected again: %(reason)s"), name="eAccounting", reason=inner)
    assert (
        outer == "eAccounting must be connected again: not connected: no token is stored for this connection"
    )
    sides = Message(
        N_("credentials unreadable: enter the connection to %(sides)s again"),
        sides=[Word("rackbeat"), Word("economic")],
    )
    assert sides == "credentials unreadable: enter the connection to rackbeat, economic again"
    setting = Setting("cost center for projects", "projects.cost_center_id")
    refused = Message(
        N_("%(register)s cannot be transferred before these settings are set: %(missing)s"),
        register=Title("check-sent"),
        missing=[setting],
    )
    assert refused == (
        "check-sent cannot be transferred before these settings are set: "
        "cost center for projects (projects.cost_center_id)"
    )


def test_a_message_survives_pickling_with_its_template() -> None:
    message = Message(N_("no active API token #%(id)s"), id=3)
    again = pickle.loads(pickle.dumps(message))
    assert again == message and again.template == message.template and dict(again.values) == {"id": 3}
    setting = pickle.loads(pickle.dumps(Setting("day book", "day_book")))
    assert setting == "day book (day_book)" and setting.path == "day_book"


def test_user_error_takes_a_template_and_values_or_plain_text() -> None:
    error = UserError(N_("an integration named %(name)r already exists"), name="acme")
    assert str(error) == "an integration named 'acme' already exists"
    assert error.message.template == "an integration named %(name)r already exists"
    plain = UserError("100% of what a system said, as it said it")  # no values: never formatted
    assert str(plain) == "100% of what a system said, as it said it"
    carried = UserError(error.message)
    assert carried.message is error.message
    invalid = InvalidConfiguration("the connection is not valid", [("a.b", "x")])
    assert str(invalid) == "the connection is not valid" and invalid.problems == [("a.b", "x")]


def test_check_name_keeps_its_words() -> None:
    with pytest.raises(UserError) as refused:
        check_name("no spaces")
    assert str(refused.value) == (
        "'no spaces' is not a valid integration name: use 1 to 100 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit"
    )


def test_validation_problems_keep_the_type_and_our_validators_message() -> None:
    class Form(pydantic.BaseModel):
        count: int = pydantic.Field(ge=1)
        zone: str

        @pydantic.field_validator("zone")
        @classmethod
        def _zone(cls, value: str) -> str:
            raise ValueError(Message(N_("%(zone)r is not a time zone"), zone=value))

    with pytest.raises(pydantic.ValidationError) as raised:
        Form.model_validate({"count": 0, "zone": "Mars/Olympus"})
    problems = dict(validation_problems("settings", raised.value))
    count = problems["settings.count"]
    assert isinstance(count, Problem) and count.kind == "greater_than_equal" and count.ctx == {"ge": 1}
    assert count == "Input should be greater than or equal to 1"  # the API's and the CLI's words
    zone = problems["settings.zone"]
    assert isinstance(zone, Message) and zone.template == "%(zone)r is not a time zone"
    assert zone == "'Mars/Olympus' is not a time zone"
