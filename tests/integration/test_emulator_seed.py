"""Seeds: the documented format, your own IDs, and clear errors for anything else."""

from __future__ import annotations

import json

import pytest
from connect_email_alias.local import DEFAULT_SEED, ConnectEmulator, SeedError

from tests.support.seed import INSTANCE

OWN = {
    "Instances": [
        {
            "InstanceId": "my-instance",
            "EmailAddresses": [
                {"EmailAddressId": "p-1", "EmailAddress": "orders@shop.example", "Tags": {"team": "sales"}},
                {"EmailAddressId": "a-1", "EmailAddress": "buy@shop.example", "DisplayName": "Buy"},
                {"EmailAddress": "free@shop.example"},
            ],
            "Aliases": [{"EmailAddressId": "p-1", "AliasConfiguration": {"EmailAddressId": "a-1"}}],
        },
        {"InstanceId": "empty-instance"},
    ]
}


def test_your_own_ids_instances_aliases_and_tags():
    with ConnectEmulator(seed=OWN) as emulator:
        assert emulator.aliases_by_primary("my-instance") == {"p-1": "a-1"}
        assert emulator.forwards_to("my-instance") == {"a-1": "p-1"}  # buy@ forwards to orders@
        assert emulator.primary_of_alias("my-instance", "a-1") == "p-1"
        assert emulator.tags("my-instance", "p-1") == {"team": "sales"}
        assert emulator.aliases_by_primary("empty-instance") == {}
        described = emulator.client().describe_email_address(InstanceId="my-instance", EmailAddressId="p-1")
        assert described["AliasConfigurations"] == [{"EmailAddressId": "a-1"}]


def test_no_seed_means_no_instances():
    with ConnectEmulator() as emulator:
        client = emulator.client(retries={"total_max_attempts": 1})
        with pytest.raises(client.exceptions.ResourceNotFoundException, match=INSTANCE):
            client.search_email_addresses(InstanceId=INSTANCE)


@pytest.mark.parametrize(
    ("seed", "named"),
    [
        ({"bad": 1}, r"unknown key 'bad'; expected \{\"Region\"\?, \"Account\"\?, \"Instances\""),
        ({}, "missing 'Instances'"),
        ({"Instances": {}}, "Instances must be a list, not dict"),
        ({"Instances": [{"InstanceId": 7}]}, r"Instances\[0\].InstanceId must be a string"),
        (
            {"Instances": [{"InstanceId": "i", "EmailAddresses": [{"Address": "x@y.z"}]}]},
            "unknown key 'Address'",
        ),
        (
            {"Instances": [{"InstanceId": "i", "EmailAddresses": [{}]}]},
            r"EmailAddresses\[0\]: missing 'EmailAddress'",
        ),
        (
            {
                "Instances": [
                    {"InstanceId": "i", "Aliases": [{"EmailAddressId": "p", "AliasConfiguration": {}}]}
                ]
            },
            r"Aliases\[0\].AliasConfiguration: missing 'EmailAddressId'",
        ),
        (
            {
                "Instances": [
                    {
                        "InstanceId": "i",
                        "Aliases": [{"EmailAddressId": "p", "AliasConfiguration": {"EmailAddressId": "a"}}],
                    }
                ]
            },
            r"Aliases\[0\]: Email address p not found",
        ),
        (
            {"Instances": [{"InstanceId": "i", "EmailAddresses": [{"EmailAddress": "no-at-sign"}]}]},
            "not a valid email",
        ),
        ({"Account": "999999999999", "Instances": []}, "Account 999999999999 differs"),
    ],
)
def test_a_bad_seed_names_the_place_the_problem_and_the_shape(seed, named):
    with pytest.raises(SeedError, match=named):
        ConnectEmulator(seed=seed)


def test_a_seed_that_breaks_connects_rules_is_refused():
    seed = json.loads(json.dumps(OWN))
    pairs = seed["Instances"][0]["Aliases"]
    pairs.append(
        {"EmailAddressId": "a-1", "AliasConfiguration": {"EmailAddressId": pairs[0]["EmailAddressId"]}}
    )
    with pytest.raises(SeedError, match=r"Aliases\[1\]: .*chained") as refused:
        ConnectEmulator(seed=seed)
    # The pair written the wrong way round is the usual cause: the error says which two to swap.
    assert str(refused.value).endswith(
        "In an Aliases item, EmailAddressId is the primary (the address mail is forwarded to) and "
        "AliasConfiguration.EmailAddressId the alias that forwards to it: if the pair is written the wrong "
        "way round, swap the two IDs."
    )


def test_a_seed_file_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text("{not json")
    with pytest.raises(SeedError, match=r"seed\.json is not JSON"):
        ConnectEmulator.from_seed(path)


def test_the_demo_seed_is_in_its_region_and_account():
    seed = json.loads(DEFAULT_SEED.read_text())
    assert (seed["Region"], seed["Account"]) == ("us-east-1", "123456789012")
    with pytest.raises(SeedError, match="Account"):
        ConnectEmulator(account="999999999999", seed=seed)
