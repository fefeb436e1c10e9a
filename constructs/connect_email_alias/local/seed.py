"""Seed files, at their documented path ``connect_email_alias.local.seed``: see :mod:`.connect.seed`."""

from .connect.seed import DEFAULT_SEED, SeedError, apply_seed, read_seed

__all__ = ["DEFAULT_SEED", "SeedError", "apply_seed", "read_seed"]
