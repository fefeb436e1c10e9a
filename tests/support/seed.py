"""The offline seed's IDs (docs/design.md, "Offline seed data"; local/connect/seed.json), for all tests."""

REGION = "us-east-1"
ACCOUNT = "123456789012"
INSTANCE = "00000000-0000-4000-8000-000000000001"
SUPPORT = "11111111-1111-4111-8111-111111111111"  # support@example.com, primary, no alias
HELP = "22222222-2222-4222-8222-222222222222"  # help@example.com, free
CARE = "33333333-3333-4333-8333-333333333333"  # customercare@example.com, free
SALES = "44444444-4444-4444-8444-444444444444"  # sales@example.com, forwards from info@
INFO = "55555555-5555-4555-8555-555555555555"  # info@example.com, alias of sales@
EMAILS = {
    SUPPORT: "support@example.com",
    HELP: "help@example.com",
    CARE: "customercare@example.com",
    SALES: "sales@example.com",
    INFO: "info@example.com",
}
# Well-formed IDs that exist nowhere in the seed.
MISSING_ADDRESS = "99999999-9999-4999-8999-999999999999"
MISSING_INSTANCE = "00000000-0000-4000-8000-00000000dead"
