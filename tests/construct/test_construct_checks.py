"""App-wide synth checks: declarations Connect must refuse fail `cdk synth`, naming both constructs
and the fix."""

from __future__ import annotations

import re
from collections.abc import Callable

import aws_cdk as cdk
import pytest
from aws_cdk import aws_connect as connect
from connect_email_alias import EmailAddressAlias

from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT

from .conftest import ARN_HEAD


def _arn(address: str) -> str:
    return f"{ARN_HEAD}/email-address/{address}"


@pytest.fixture
def app(new_app: Callable[[], cdk.App]) -> cdk.App:
    return new_app()


def _declare(scope: cdk.Stack, id: str, primary: str, alias: str, instance: str = INSTANCE) -> None:
    EmailAddressAlias(scope, id, instance_id=instance, email_address_id=primary, alias_email_address_id=alias)


def _synth_error(app: cdk.App) -> str:
    with pytest.raises(RuntimeError, match="Validation failed with the following errors") as caught:
        app.synth()
    return str(caught.value)


def test_the_same_pair_in_two_stacks_by_id_and_by_arn(app: cdk.App) -> None:
    _declare(cdk.Stack(app, "One"), "X", SUPPORT, HELP)
    _declare(cdk.Stack(app, "Two"), "Y", _arn(SUPPORT), _arn(HELP), instance=ARN_HEAD)
    message = _synth_error(app)
    assert re.search(r"One/X and Two/Y both declare alias .*2222.* of .*1111.*: keep one of them", message)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ((SUPPORT, CARE), r"S/First and S/Second give primary .*1111.* two aliases .*: Connect allows one"),
        ((SALES, HELP), r"S/First and S/Second make .*2222.* the alias of two primaries"),
    ],
    ids=["two aliases on one primary", "one alias under two primaries"],
)
def test_a_second_alias_that_connect_refuses(app: cdk.App, second: tuple[str, str], expected: str) -> None:
    stack = cdk.Stack(app, "S")
    _declare(stack, "First", SUPPORT, HELP)
    _declare(stack, "Second", *second)
    assert re.search(expected, _synth_error(app))


@pytest.mark.parametrize("order", ["alias-first", "primary-first"])
def test_a_chain_either_way_round(app: cdk.App, order: str) -> None:
    stack = cdk.Stack(app, "S")
    declarations = [("Lower", HELP, CARE), ("Upper", SUPPORT, HELP)]  # care -> help -> support
    for id, primary, alias in declarations if order == "alias-first" else declarations[::-1]:
        _declare(stack, id, primary, alias)
    message = _synth_error(app)
    assert "S/Lower" in message and "S/Upper" in message
    assert "does not chain aliases; forward both addresses to one primary" in message


def test_an_email_address_string_instead_of_its_id_fails_at_once_pointing_at_the_address_argument(
    app: cdk.App,
) -> None:
    start = r"^EmailAddressAlias S/X: email_address_id 'support@example.com'"
    with pytest.raises(ValueError, match=start) as e:
        _declare(cdk.Stack(app, "S"), "X", "support@example.com", HELP)
    assert "use email_address instead to name the address by email" in str(e.value)
    with pytest.raises(ValueError, match="use alias_email_address instead to name the address by email"):
        _declare(cdk.Stack(app, "T"), "X", SUPPORT, "help@example.com")


# -- addresses named by email: literal addresses conflict like IDs, ignoring case ---------------------------


def _by_email(scope: cdk.Stack, id: str, primary: str, alias: str) -> None:
    EmailAddressAlias(scope, id, instance_id=INSTANCE, email_address=primary, alias_email_address=alias)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (("Support@Example.com", "HELP@example.com"), r"One/First and Two/Second both declare alias 'HELP@"),
        (("SUPPORT@example.com", "care@example.com"), r"give primary 'SUPPORT@example.com' two aliases"),
        (("sales@example.com", "Help@Example.com"), r"make 'Help@Example.com' the alias of two primaries"),
        (("care@example.com", "Support@example.com"), r"uses 'Support@example.com' as an alias .* a primary"),
    ],
    ids=["the same pair", "two aliases on one primary", "one alias under two primaries", "a chain"],
)
def test_literal_addresses_conflict_like_ids_ignoring_case(
    app: cdk.App, second: tuple[str, str], expected: str
) -> None:
    _by_email(cdk.Stack(app, "One"), "First", "support@example.com", "help@example.com")
    _by_email(cdk.Stack(app, "Two"), "Second", *second)
    assert re.search(expected, _synth_error(app))


def test_an_alias_equal_to_its_primary_by_email_fails_at_once(app: cdk.App) -> None:
    with pytest.raises(ValueError, match=r"alias_email_address equals email_address .* own alias"):
        _by_email(cdk.Stack(app, "S"), "X", "support@example.com", "SUPPORT@EXAMPLE.COM")


def test_an_address_by_id_and_another_by_email_do_not_conflict_at_synth(app: cdk.App) -> None:
    """Which ID an address has is known only at deploy time, where the function compares them."""
    stack = cdk.Stack(app, "S")
    _declare(stack, "ById", SUPPORT, HELP)
    _by_email(stack, "ByEmail", "support@example.com", "care@example.com")
    assert app.synth().get_stack_by_name("S").template["Resources"]


def test_one_cfn_email_address_as_primary_of_two_aliases(app: cdk.App) -> None:
    """Tokens compare equal when identical: both aliases name the same CfnEmailAddress."""
    stack = cdk.Stack(app, "S")
    primary = connect.CfnEmailAddress(stack, "P", instance_arn=ARN_HEAD, email_address="p@example.com")
    a = connect.CfnEmailAddress(stack, "A", instance_arn=ARN_HEAD, email_address="a@example.com")
    b = connect.CfnEmailAddress(stack, "B", instance_arn=ARN_HEAD, email_address="b@example.com")
    EmailAddressAlias.from_email_addresses(stack, "First", primary=primary, alias=a)
    EmailAddressAlias.from_email_addresses(stack, "Second", primary=primary, alias=b)
    assert "S/First and S/Second give primary (a CDK token) two aliases" in _synth_error(app)


def test_a_conflict_across_a_nested_stage_is_found(app: cdk.App) -> None:
    _declare(cdk.Stack(app, "Top"), "X", SUPPORT, HELP)
    _declare(cdk.Stack(cdk.Stage(app, "Prod"), "Inner"), "Y", SUPPORT, HELP)
    assert "Top/X and Prod/Inner/Y both declare" in _synth_error(app)


def test_distinct_pairs_other_instances_and_distinct_tokens_synthesise(app: cdk.App) -> None:
    stack = cdk.Stack(app, "S")
    _declare(stack, "A", SUPPORT, HELP)
    _declare(stack, "B", SALES, INFO)
    _declare(stack, "SameIdsOtherInstance", SUPPORT, HELP, instance="another-instance")
    for n in range(2):
        EmailAddressAlias(
            stack,
            f"Token{n}",
            instance_id=cdk.Fn.import_value(f"Instance{n}"),
            email_address_id=cdk.Fn.import_value(f"Primary{n}"),
            alias_email_address_id=cdk.Fn.import_value(f"Alias{n}"),
        )
    assert app.synth().get_stack_by_name("S").template["Resources"]
