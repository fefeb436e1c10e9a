"""An offline Amazon Connect that speaks the real REST-JSON wire protocol (email-address operations).

A peer of the function, not a mock: an unmodified boto3 client with dummy credentials pointed at
:attr:`ConnectEmulator.endpoint_url` (or ``AWS_ENDPOINT_URL_CONNECT``) gets AWS's wire format and
modelled exceptions. This facade composes the state, the wire, faults and the real AWS conditions
(quota, read lag, IAM), all off by default (docs/design.md, "Offline test bed").
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..serving import BackgroundServer, LoopbackServer, Served
from .clock import Clock
from .faults import Faults
from .gateway import CallRecord, Gateway
from .iam import Iam
from .lag import ReadLag
from .models import AddressView, ConnectState
from .quota import Quota, Throttle
from .seed import DEFAULT_SEED, apply_seed, read_seed
from .wire import handler_for

if TYPE_CHECKING:
    from mypy_boto3_connect import ConnectClient

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDLOCALEMULATOR000",
    "AWS_SECRET_ACCESS_KEY": "local-emulator-secret-not-a-credential",
    "AWS_SESSION_TOKEN": "local-emulator-session",
}


class ConnectEmulator(Served):
    """A local Connect endpoint for tests and the demo. Thread-safe; use as a context manager.

    Parameters:
        region, account: where the emulated instances live (ARNs are built from them).
        host, port: where to listen; port 0 picks a free one.
        seed: a seed file or mapping to load (format: :mod:`.seed`); default: empty, no instances.
        quota: Connect's per-operation rate quota (``Quota.DEFAULT`` is 2/s, burst 5); default: none.
        read_lag: how long reads miss recent changes (:class:`ReadLag`); default: none.
        iam_propagation: deny every call for this many seconds after :meth:`start`, as IAM does while
            a fresh grant propagates; default 0. See :attr:`iam` for finer denials.
        clock: the time source of lag, quota, IAM and lock windows; default ``time.monotonic``. Pass a
            :class:`~.clock.ManualClock` to move time by hand.

    Out-of-band changes (``load_seed`` to ``replace_tags``) bypass faults, the call log and read lag, and
    raise ConnectError (``.code``, ``.message``) when Connect's rules refuse them; inspection
    (``aliases_by_primary`` to ``tags``) shows the true state, never lagging.
    """

    _name = "the emulator"

    def __init__(
        self,
        region: str = "us-east-1",
        account: str = "123456789012",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str | Path | Mapping[str, Any] | None = None,
        quota: Quota | None = None,
        read_lag: ReadLag | None = None,
        iam_propagation: float = 0.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.region = region
        self.account = account
        self.clock = clock
        #: Scriptable faults: fail, drop, throttle, lock, delay (:class:`~.faults.Faults`).
        self.faults = Faults(clock)
        #: Denials: ``iam.deny_for(seconds, operations=, instances=)``, ``iam.deny(...)``, ``iam.clear()``.
        self.iam = Iam(clock, account)
        self._state = ConnectState(region, account, clock)
        self._throttle = Throttle(clock, quota.bucket_for if quota else None)
        self._gateway = Gateway(self._state, self.faults, self._throttle, self.iam)
        self._iam_propagation = iam_propagation
        self._address = (host, port)
        self.set_read_lag(read_lag)
        if seed is not None:
            self.load_seed(seed)

    @classmethod
    def from_seed(cls, seed: str | Path | Mapping[str, Any] = DEFAULT_SEED, **kwargs: Any) -> ConnectEmulator:
        """An emulator in the seed's region and account, loaded with it (default: the demo seed)."""
        data = read_seed(seed)
        return cls(data.get("Region", "us-east-1"), data.get("Account", "123456789012"), seed=data, **kwargs)

    def start(self) -> ConnectEmulator:
        """Listen (idempotent); ``iam_propagation`` counts from here. Returns ``self``."""
        if self._serving is None:
            if self._iam_propagation > 0:
                self.iam.deny_for(self._iam_propagation)
            self._serving = BackgroundServer(LoopbackServer(self._address, handler_for(self._gateway)))
        return self

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``endpoint_url=`` or ``AWS_ENDPOINT_URL_CONNECT``."""
        return self._url("http")

    def env(self) -> dict[str, str]:
        """Environment that points an unmodified boto3 in another process at this emulator."""
        region = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        return {"AWS_ENDPOINT_URL_CONNECT": self.endpoint_url, **region, **DUMMY_CREDENTIALS}

    def client(self, **config: Any) -> ConnectClient:
        """A boto3 Connect client with dummy credentials; ``config`` goes to botocore's Config."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "connect",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(**config) if config else None,
        )

    # -- real AWS conditions ---------------------------------------------------------------------

    def set_quota(self, quota: Quota | None) -> None:
        """Apply ``quota`` from now on (None: unlimited); every bucket starts full."""
        self._throttle.set(quota.bucket_for if quota else None)

    @property
    def read_lag(self) -> ReadLag:
        """The read lag in force (all zero: reads see every change at once)."""
        return self._state.lag

    def set_read_lag(self, read_lag: ReadLag | None) -> None:
        """Apply ``read_lag`` to reads from now on (None: reads see every change at once)."""
        self._state.lag = read_lag or ReadLag()

    # -- seeding and out-of-band changes ---------------------------------------------------------

    def load_seed(self, seed: str | Path | Mapping[str, Any]) -> None:
        """Load instances, addresses, tags and alias relations (format: :mod:`.seed`).

        Raises:
            SeedError: the seed does not follow the format, or Connect's rules refuse an item of it.
        """
        apply_seed(read_seed(seed), self._state)

    def create_instance(self, instance_id: str) -> None:
        """Add an empty instance (no-op if it exists)."""
        self._state.create_instance(instance_id)

    def delete_instance(self, instance_id: str) -> None:
        """Remove an instance and everything in it; calls naming it then get 404."""
        self._state.delete_instance(instance_id)

    def create_email_address(
        self,
        instance_id: str,
        email_address: str,
        email_address_id: str | None = None,
        display_name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create an address and return its ID; an ID not given is deterministic (uuid5 of instance,
        address and creation number)."""
        address = self._state.create_email_address(
            instance_id, email_address, email_address_id, display_name=display_name, tags=tags
        )
        return address.email_address_id

    def delete_email_address(self, instance_id: str, email_address_id: str) -> None:
        """Delete an address and every alias relation it takes part in."""
        self._state.delete_email_address(instance_id, email_address_id)

    def associate(self, instance_id: str, primary_id: str, alias_id: str) -> None:
        """Make ``alias_id`` forward to ``primary_id`` (Connect's rules apply)."""
        self._state.associate(instance_id, primary_id, alias_id)

    def disassociate(self, instance_id: str, primary_id: str, alias_id: str) -> None:
        """Stop ``alias_id`` forwarding to ``primary_id`` (the pair must exist)."""
        self._state.disassociate(instance_id, primary_id, alias_id)

    def tag(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite ``tags`` (what TagResource does)."""
        self._state.tag(instance_id, email_address_id, tags)

    def untag(self, instance_id: str, email_address_id: str, keys: Iterable[str]) -> None:
        """Remove ``keys`` (what UntagResource does)."""
        self._state.untag(instance_id, email_address_id, keys)

    def replace_tags(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Leave exactly ``tags`` on the address, as a tool overwriting all tags would."""
        self._state.replace_tags(instance_id, email_address_id, tags)

    # -- inspection ------------------------------------------------------------------------------

    def forwards_to(self, instance_id: str) -> dict[str, str]:
        """Who forwards to whom: ``{alias_id: primary_id}``, each alias and the primary its mail goes to
        (``forwards_to(i)[HELP] == SUPPORT``: help@ forwards to support@)."""
        return {alias: primary for primary, alias in self._state.aliases(instance_id).items()}

    def aliases_by_primary(self, instance_id: str) -> dict[str, str]:
        """The same relations keyed by primary, ``{primary_id: alias_id}`` (each primary and the one alias
        that forwards to it); :meth:`forwards_to` reads in the other, the sentence's, order."""
        return self._state.aliases(instance_id)

    def primary_of_alias(self, instance_id: str, alias_id: str) -> str | None:
        """The primary that ``alias_id`` forwards to, or None when it is no alias."""
        return self._state.primary_of(instance_id, alias_id)

    def address(self, instance_id: str, email_address_id: str) -> AddressView:
        """One address as it is now: its string, ARN, display name, tags and both alias directions."""
        return self._state.true_view(instance_id, email_address_id)

    def tags(self, instance_id: str, email_address_id: str) -> dict[str, str]:
        """The address's tags as they are now."""
        return self._state.true_view(instance_id, email_address_id).tags

    @property
    def calls(self) -> list[CallRecord]:
        """Every call received so far (a copy), oldest first."""
        return self._gateway.calls

    def calls_to(self, operation: str) -> list[CallRecord]:
        """The calls of one operation (e.g. ``"AssociateEmailAddressAlias"``), oldest first."""
        return [c for c in self.calls if c.operation == operation]

    def clear_calls(self) -> None:
        """Forget the calls received so far (e.g. between the steps of a test)."""
        self._gateway.clear_calls()
