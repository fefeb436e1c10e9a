"""``python -m connect_email_alias.local.emulator_cli`` (the documented path): :mod:`.connect.cli`."""

from .connect.cli import main

if __name__ == "__main__":
    main()
