"""Create / update / delete as decisions over a small Connect port.

Pure: no crhelper, no boto3, no environment, no logging setup; time comes in through an injected clock.
Each function reads what it needs through the port, decides, mutates through the port, and returns an
`Outcome` or raises `LifecycleError` with a reason a person can act on. The port carries Connect's answers
as typed errors; this module decides what they mean (a pair already there, a real conflict, a lock, a
removal that is not ours). Rules and choices: docs/design.md § Handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from backoff import Backoff, Clock, time_for
from contract import (
    ALIAS_ADDRESS_PROPERTY,
    EMAIL_ADDRESS,
    LOWER_CASE_HINT,
    OWNER_TAG_KEY,
    REASON_MAX,
    email_key,
    excerpt,
    has_upper_case,
    owner_tag_value,
    same_stack,
)
from errors import (
    Conflict,
    InstanceNotFound,
    LifecycleError,
    NotFound,
    PortError,
    TokenReused,
    clip,
    short_id,
)
from properties import Declared, Pair, mint_physical_id

# An address created moments ago may not be visible yet (eventual consistency): re-read it this long.
NOT_FOUND_WAIT_MS = 10_000
# A conflict that neither the addresses nor a search explain is Connect's lock: wait it out this long.
LOCK_WAIT_MS = 20_000
# Spaced tries (equal jitter): each costs quota; the clock's reserve leaves time to restore and answer.
WAIT = Backoff(base_s=1.0, cap_s=4.0, floor=0.5)
RESERVE_MS = 6000


@dataclass(frozen=True)
class Address:
    """What DescribeEmailAddress tells us: the address string, its aliases, its ARN and its tags."""

    address_id: str
    email: str
    alias_ids: tuple[str, ...] = ()
    arn: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def owner(self) -> str | None:
        """The owner record of the alias relation this address is the alias in (docs/design.md, Ownership)."""
        return self.tags.get(OWNER_TAG_KEY)


class ConnectPort(Protocol):
    """The Connect calls the lifecycle needs. `step` names a mutating call for its ClientToken."""

    def describe(self, region: str, instance_id: str, address_id: str) -> Address | None:
        """The address, or None when it does not exist. Raises `InstanceNotFound` / `PortError`."""
        ...

    def associate(self, pair: Pair, step: str) -> None:
        """Make `pair.alias_id` forward to `pair.primary_id`. Raises `Conflict`, `TokenReused`, ..."""
        ...

    def disassociate(self, pair: Pair, step: str) -> None:
        """Remove the pair. Raises `NotFound` (not there), `Conflict`, `PortError`."""
        ...

    def tag(self, region: str, arn: str, key: str, value: str) -> None:
        """Set one tag on `arn`. Raises `PortError`."""
        ...

    def untag(self, region: str, arn: str, key: str) -> None:
        """Remove one tag from `arn` (absent: no-op). Raises `PortError`."""
        ...

    def primary_of(self, region: str, instance_id: str, alias_id: str) -> str | None:
        """The primary `alias_id` forwards to (a search over the instance), or None."""
        ...

    def addresses(self, region: str, instance_id: str) -> Iterator[Address]:
        """Every address of the instance (a search, page by page as iterated; no tags).
        Raises `InstanceNotFound` / `PortError`."""
        ...


@dataclass(frozen=True)
class Request:
    """Who is asking (the owning resource's identity) and the invocation's clock."""

    stack_id: str
    logical_id: str
    clock: Clock

    def owner(self, pair: Pair) -> str:
        """The owner record this resource writes on `pair`'s alias address."""
        return owner_tag_value(self.stack_id, self.logical_id, pair.primary_id)


@dataclass(frozen=True)
class Outcome:
    """A successful answer: the PhysicalResourceId, the attributes for `Fn::GetAtt`, a note for the log."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)
    note: str = ""


class _Patience:
    """A bounded wait in spaced tries: `wait()` sleeps and returns True, or False once the budget is spent."""

    def __init__(self, clock: Clock, limit_ms: int) -> None:
        self._clock = clock
        self._limit_ms = limit_ms
        self._started = clock.remaining_ms()
        self._tries = 0

    def wait(self) -> bool:
        self._tries += 1
        delay = WAIT.delay(self._tries, self._clock.rand)
        spent = self._started - self._clock.remaining_ms()
        if spent + delay * 1000 > self._limit_ms or not time_for(self._clock.remaining_ms, delay, RESERVE_MS):
            return False
        self._clock.sleep(delay)
        return True


@dataclass
class _View:
    """Addresses read during one request, with our own changes laid over them (saves repeat reads, and a
    lagging read cannot undo what we just did)."""

    port: ConnectPort
    clock: Clock
    seen: dict[tuple[str, str, str], Address | None] = field(default_factory=dict)
    made: set[Pair] = field(default_factory=set)
    gone: set[Pair] = field(default_factory=set)

    def get(self, region: str, instance_id: str, address_id: str, *, fresh: bool = False) -> Address | None:
        key = (region, instance_id, address_id)
        if fresh or key not in self.seen:
            self.seen[key] = self.port.describe(region, instance_id, address_id)
        address = self.seen[key]
        if address is None:
            return None
        aliases = [a for a in address.alias_ids if Pair(region, instance_id, address_id, a) not in self.gone]
        aliases += [
            p.alias_id for p in self.made
            if (p.region, p.instance_id, p.primary_id) == key and p.alias_id not in aliases
        ]
        return Address(address.address_id, address.email, tuple(aliases), address.arn, address.tags)

    def find(self, region: str, instance_id: str, address_id: str) -> Address | None:
        """The address, re-read for a bounded time while it is not found (it may have just been created)."""
        address = self.get(region, instance_id, address_id)
        patience = _Patience(self.clock, NOT_FOUND_WAIT_MS)
        while address is None and patience.wait():
            address = self.get(region, instance_id, address_id, fresh=True)
        return address

    def changed(self, pair: Pair, *, present: bool) -> None:
        (self.made if present else self.gone).add(pair)
        (self.gone if present else self.made).discard(pair)


def _data(pair: Pair, primary: Address, alias: Address) -> dict[str, str]:
    return {
        "InstanceId": pair.instance_id,
        "EmailAddressId": pair.primary_id,
        "AliasEmailAddressId": pair.alias_id,
        "EmailAddress": primary.email,
        "AliasEmailAddress": alias.email,
    }


def _require(view: _View, pair: Pair) -> tuple[Address, Address]:
    """The pair's primary and alias, or a reason naming the one Connect does not know."""
    found = []
    for prop, address_id, role in (
        ("EmailAddressId", pair.primary_id, "primary"),
        ("AliasConfiguration.EmailAddressId", pair.alias_id, "alias"),
    ):
        address = view.find(pair.region, pair.instance_id, address_id)
        if address is None:
            raise LifecycleError(
                f"{prop} {short_id(address_id)} ({role}) was not found in Connect instance "
                f"{short_id(pair.instance_id)} ({pair.region}): check the ID{_case(address_id)}."
            )
        found.append(address)
    return found[0], found[1]


def _case(address_id: str) -> str:
    """The lower-case hint for a "not found" reason, when the ID has upper-case letters."""
    return f" ({LOWER_CASE_HINT}; use lower case)" if has_upper_case(address_id) else ""


def taken_primary(pair: Pair, primary: Address) -> str | None:
    """Why `pair` cannot be made: the primary already has another alias (which we never take over)."""
    others = [a for a in primary.alias_ids if a != pair.alias_id]
    if not others:
        return None
    return (
        f"Primary {short_id(pair.primary_id)} already has alias {short_id(others[0])}, which this resource "
        "does not own (one alias per address): remove that alias first or choose another primary."
    )


def chained_alias(pair: Pair, alias: Address) -> str | None:
    """Why `pair` cannot be made: the alias has an alias of its own (Connect does not chain). When that
    alias is the primary itself, the pair exists the other way round: say which two values to swap."""
    if not alias.alias_ids:
        return None
    if pair.primary_id in alias.alias_ids:
        return (
            f"Alias {short_id(pair.alias_id)} is the primary of {short_id(pair.primary_id)}: the pair exists "
            "the other way round. If you meant that pair, swap EmailAddressId and "
            "AliasConfiguration.EmailAddressId; else remove that alias first."
        )
    return (
        f"Alias {short_id(pair.alias_id)} has an alias of its own ({short_id(alias.alias_ids[0])}); Connect "
        "does not chain aliases: remove that alias first or choose another alias address."
    )


def _refuse_what_connect_would(pair: Pair, primary: Address, alias: Address) -> None:
    """Refuse, before any change, what Connect would refuse or what would take over someone else's alias."""
    reason = taken_primary(pair, primary) or chained_alias(pair, alias)
    if reason:
        raise LifecycleError(reason)


# -- ownership (docs/design.md § Handler, "Ownership") ----------------------------------------------------


def _ownership(view: _View, req: Request, pair: Pair) -> tuple[Address | None, str]:
    """The alias address when this resource owns `pair` now, else None and why not (for the log).

    No wait for an alias that is not found: it was visible when this resource created or adopted the pair,
    and deleting an address removes its alias relations.
    """
    try:
        alias = view.get(pair.region, pair.instance_id, pair.alias_id)
    except InstanceNotFound:
        return None, "the instance is gone"
    if alias is None:
        return None, "the alias address is gone"
    if alias.owner == req.owner(pair):
        return alias, ""
    if alias.owner is None:
        return None, "kept: the alias address has no owner record (missing or removed)"
    return None, "kept: the owner record names another resource"


def _record_owner(view: _View, req: Request, pair: Pair, alias: Address) -> bool:
    """Write this resource's owner record on the alias address; False when it already named us."""
    want = req.owner(pair)
    current = view.get(pair.region, pair.instance_id, pair.alias_id) or alias
    if current.owner == want:
        return False
    view.port.tag(pair.region, alias.arn, OWNER_TAG_KEY, want)
    tags = {**current.tags, OWNER_TAG_KEY: want}
    view.seen[(pair.region, pair.instance_id, pair.alias_id)] = Address(
        current.address_id, current.email, current.alias_ids, current.arn, tags
    )
    return True


def _put_back_owner(port: ConnectPort, pair: Pair, alias: Address) -> None:
    """Best effort: restore the owner record `alias` had before we claimed it for a change that failed."""
    try:
        if alias.owner is None:
            port.untag(pair.region, alias.arn, OWNER_TAG_KEY)
        else:
            port.tag(pair.region, alias.arn, OWNER_TAG_KEY, alias.owner)
    except PortError:
        pass  # a stale claim on an address in no pair of ours is harmless: it only guards our own pairs


def _without_owner(address: Address) -> Address:
    tags = {k: v for k, v in address.tags.items() if k != OWNER_TAG_KEY}
    return Address(address.address_id, address.email, address.alias_ids, address.arn, tags)


def _release_owner(port: ConnectPort, pair: Pair, alias: Address) -> str:
    """Remove our owner record from an alias we no longer hold; a failure is logged, never fatal."""
    try:
        port.untag(pair.region, alias.arn, OWNER_TAG_KEY)
    except PortError as err:
        return f"owner record left on {short_id(pair.alias_id)} ({err.code})"
    return ""


# -- mutations and what their answers mean ------------------------------------------------------------------


def _through_the_lock(
    req: Request, step: str, attempt: Callable[[str], Conflict | None], give_up: Callable[[], str]
) -> None:
    """Connect's lock, waited out: `attempt(step)` returns None when done, or the conflict it takes for the
    lock. Each retry gets a fresh token (`<step>#lock<n>`: a 409 may be remembered against a token), for up
    to LOCK_WAIT_MS; then the reason `give_up()` gives."""
    patience: _Patience | None = None
    lock_round = 0
    while (locked := attempt(step if lock_round == 0 else f"{step}#lock{lock_round}")) is not None:
        patience = patience or _Patience(req.clock, LOCK_WAIT_MS)
        if not patience.wait():
            raise LifecycleError(give_up()) from locked
        lock_round += 1


def _associate(view: _View, req: Request, pair: Pair, step: str) -> None:
    """Associate; a pair already there is success, a real conflict fails at once, a lock is waited out.

    An alias that serves another primary for a resource of this stack is waited for like a lock: in one
    stack update the two resources may be trading aliases, and the other is about to let it go."""
    searched = False
    other: str | None = None

    def attempt(token_step: str) -> Conflict | None:
        nonlocal searched, other
        try:
            view.port.associate(pair, token_step)
        except TokenReused:
            if _present(view, pair):
                return None
            raise
        except Conflict as err:
            failure = err
        else:
            view.changed(pair, present=True)
            return None
        primary = view.get(pair.region, pair.instance_id, pair.primary_id, fresh=True)
        if primary is None:
            raise LifecycleError(
                f"Primary {short_id(pair.primary_id)} was not found in instance "
                f"{short_id(pair.instance_id)}: check EmailAddressId."
            ) from failure
        if pair.alias_id in primary.alias_ids:
            view.changed(pair, present=True)
            return None  # applied by an earlier try of ours
        alias = view.get(pair.region, pair.instance_id, pair.alias_id, fresh=True)
        reason = taken_primary(pair, primary) or (chained_alias(pair, alias) if alias else None)
        if reason:
            raise LifecycleError(reason) from failure
        if not searched:
            searched = True
            other = _primary_of(view.port, pair)
            if other == pair.primary_id:
                return None  # the pair is there; the read lagged
            if other is not None and not _sibling_holds(req, pair, alias):
                raise LifecycleError(_serves_another(pair, other)) from failure
        return failure

    def give_up() -> str:
        if other is not None:
            return _serves_another(pair, other)
        return (
            f"Connect kept reporting a conflict for alias {short_id(pair.alias_id)} -> "
            f"{short_id(pair.primary_id)} that the addresses and a search do not show (another change "
            "held the lock): retry the stack operation."
        )

    _through_the_lock(req, step, attempt, give_up)


def _sibling_holds(req: Request, pair: Pair, alias: Address | None) -> bool:
    """Whether the alias's owner record names another resource of this stack."""
    holder, me = (alias.owner if alias else None), req.owner(pair)
    return holder is not None and holder != me and same_stack(holder, me)


def _serves_another(pair: Pair, other: str) -> str:
    return (
        f"Alias {short_id(pair.alias_id)} already forwards to primary {short_id(other)} (an alias serves one "
        "primary): remove it there first, or choose another alias address."
    )


def _primary_of(port: ConnectPort, pair: Pair) -> str | None:
    """Which primary the alias serves, by a search; None also when the search itself fails."""
    try:
        return port.primary_of(pair.region, pair.instance_id, pair.alias_id)
    except PortError:
        return None  # e.g. no grant for SearchEmailAddresses: fall back to waiting out a lock


def _present(view: _View, pair: Pair) -> bool:
    try:
        primary = view.get(pair.region, pair.instance_id, pair.primary_id, fresh=True)
    except InstanceNotFound:
        return False
    return primary is not None and pair.alias_id in primary.alias_ids


def _disassociate(view: _View, req: Request, pair: Pair, step: str) -> None:
    """Remove the pair; "not found" is success. A 409 on a removal is a lock: waited out, never read away."""

    def attempt(token_step: str) -> Conflict | None:
        try:
            view.port.disassociate(pair, token_step)
        except NotFound:
            pass
        except Conflict as err:
            return err
        view.changed(pair, present=False)
        return None

    _through_the_lock(
        req,
        step,
        attempt,
        lambda: (
            f"Connect kept reporting a conflict removing alias {short_id(pair.alias_id)} from "
            f"{short_id(pair.primary_id)} (another change holds the lock): retry the stack operation."
        ),
    )


# -- addresses named by their email (contract §1b; docs/design.md § Handler, "Addresses named by email") ----


def resolve(
    port: ConnectPort, req: Request, new: Declared, old: Declared | None = None
) -> tuple[Pair, Pair | None]:
    """The new pair (and the old one, from OldResourceProperties) by IDs, looking up addresses named by email.

    Each instance is scanned once for every address wanted in it, page by page until all are found; the
    results are compared here, case-insensitively, never trusted to a search filter. A new address that is
    not found is scanned for again for up to `NOT_FOUND_WAIT_MS` (it may have been created moments ago), then
    fails naming it as the template gave it; an old one that is gone gives no old pair (it cannot be present).
    """
    wanted: dict[tuple[str, str], set[str]] = {}
    for declared in filter(None, (new, old)):
        for named in (declared.primary, declared.alias):
            if named.email is not None:
                wanted.setdefault((declared.region, declared.instance_id), set()).add(email_key(named.email))
    here = (new.region, new.instance_id)
    needed = {email_key(n.email) for n in (new.primary, new.alias) if n.email is not None}
    found: dict[tuple[str, str], dict[str, Address]] = {}
    for (region, instance_id), emails in wanted.items():
        waits_for = needed if (region, instance_id) == here else set()
        try:
            found[(region, instance_id)] = _scan(port, req, region, instance_id, emails, waits_for)
        except PortError:
            if waits_for:
                raise
            found[(region, instance_id)] = {}  # only old addresses there: without them there is no old pair
    for name, named in ((EMAIL_ADDRESS, new.primary), (ALIAS_ADDRESS_PROPERTY, new.alias)):
        if named.email is not None and email_key(named.email) not in found[here]:
            raise LifecycleError(
                f"{name} {excerpt(named.email)} was not found in Connect instance "
                f"{short_id(new.instance_id)} ({new.region}): check the address and the instance, or name "
                "the address by ID."
            )
    new_pair = _by_ids(new, found)
    assert new_pair is not None  # every address named by email was found just above
    if new_pair.primary_id == new_pair.alias_id:
        raise LifecycleError(
            f"The alias and the primary are the same address ({short_id(new_pair.primary_id)}): an address "
            "cannot be its own alias; choose a different alias address."
        )
    old_pair = _by_ids(old, found) if old is not None else None
    if old_pair is not None and old_pair.primary_id == old_pair.alias_id:
        old_pair = None  # never valid, so never created
    return new_pair, old_pair


def _scan(
    port: ConnectPort, req: Request, region: str, instance_id: str, emails: set[str], needed: set[str]
) -> dict[str, Address]:
    """The addresses of `emails` (by `email_key`), from one scan of the instance that stops once all are
    found; scanned again while one of `needed` is missing, for a bounded time."""
    found: dict[str, Address] = {}
    patience = _Patience(req.clock, NOT_FOUND_WAIT_MS)
    while True:
        for address in port.addresses(region, instance_id):
            key = email_key(address.email)
            if key in emails and key not in found:
                found[key] = address
                if len(found) == len(emails):
                    return found
        if not needed - found.keys() or not patience.wait():
            return found


def _by_ids(declared: Declared, found: Mapping[tuple[str, str], Mapping[str, Address]]) -> Pair | None:
    """`declared` with both addresses by ID; None when one named by email was not found."""
    here = found.get((declared.region, declared.instance_id), {})
    ids = []
    for named in (declared.primary, declared.alias):
        address = here.get(email_key(named.email)) if named.email is not None else None
        address_id = address.address_id if address is not None else named.id
        if address_id is None:
            return None
        ids.append(address_id)
    return Pair(declared.region, declared.instance_id, ids[0], ids[1])


# -- the three events ------------------------------------------------------------------------------------


def create(pair: Pair, port: ConnectPort, req: Request, step: str = "create") -> Outcome:
    """Make `pair.alias_id` forward to `pair.primary_id` and own it; adopt the pair if it already exists."""
    physical_id = mint_physical_id(pair)
    view = _View(port, req.clock)
    primary, alias = _require(view, pair)
    if pair.alias_id in primary.alias_ids:
        adopted = _record_owner(view, req, pair, alias)
        return Outcome(physical_id, _data(pair, primary, alias), "adopted" if adopted else "already ours")
    _refuse_what_connect_would(pair, primary, alias)
    _associate_owned(view, req, pair, alias, step)
    return Outcome(physical_id, _data(pair, primary, alias), "created")


def _associate_owned(
    view: _View, req: Request, pair: Pair, alias: Address, step: str, ours: frozenset[str] = frozenset()
) -> None:
    """Claim the alias, then associate (an answer lost in a timeout still leaves our claim for the rollback's
    Delete). If another resource's record is on it, it may serve a primary we cannot see: associate first.
    `ours` are records of this resource's old pairs (a swap of the primary keeps the alias)."""
    foreign = alias.owner is not None and alias.owner not in {req.owner(pair), *ours}
    claimed = not foreign and _record_owner(view, req, pair, alias)
    try:
        _associate(view, req, pair, step)
    except LifecycleError as err:
        if claimed and not err.maybe_changed:
            _put_back_owner(view.port, pair, alias)
        raise
    if foreign:
        try:
            _record_owner(view, req, pair, alias)
        except PortError as err:
            raise LifecycleError(err.reason, maybe_changed=True) from err


def update(
    new: Pair, recorded: Pair | None, old_props: Pair | None, port: ConnectPort, req: Request
) -> Outcome:
    """Converge on exactly `new`, removing the old pair(s) this resource owns that are not `new`.

    `recorded` comes from the PhysicalResourceId (None if we did not mint it), `old_props` from
    OldResourceProperties (None if they do not parse); after an interrupted swap they can differ.
    """
    olds = [p for p in dict.fromkeys(x for x in (recorded, old_props) if x is not None) if p != new]
    if not olds:
        # Same pair: the reads; re-create (and re-own) only if needed.
        return create(new, port, req, step="update-recreate")
    physical_id = mint_physical_id(new)
    view = _View(port, req.clock)
    owned: list[tuple[Pair, Address]] = []
    notes: list[str] = []
    for old in olds:
        alias, why = _ownership(view, req, old)
        if alias is None:
            notes.append(f"old {short_id(old.alias_id)}: {why}")
        else:
            owned.append((old, alias))
            view.changed(old, present=False)  # check the new pair as it will be once these are gone
    new_primary, new_alias = _require(view, new)
    already = new.alias_id in new_primary.alias_ids
    if not already:
        _refuse_what_connect_would(new, new_primary, new_alias)
    removed: list[Pair] = []
    for index, (old, alias) in enumerate(owned):
        try:
            _disassociate(view, req, old, f"update-remove-{index}")
        except LifecycleError as err:
            reason = _restored(err.reason, recorded, removed, view, req)
            raise LifecycleError(reason, maybe_changed=True) from err
        removed.append(old)
        if old.alias_id != new.alias_id:
            # Let the old alias go as soon as it is free, not after the new association: a resource of
            # this stack taking it over (two aliases trading primaries in one update) writes its own record
            # once it has the alias, and a later release would remove that record.
            notes.append(_release_owner(port, old, alias))
            view.seen[(old.region, old.instance_id, old.alias_id)] = _without_owner(alias)
    try:
        if already:
            _record_owner(view, req, new, new_alias)
        else:
            _associate_owned(view, req, new, new_alias, "update-associate", frozenset(map(req.owner, olds)))
    except LifecycleError as err:
        reason = _restored(err.reason, recorded, removed, view, req)
        raise LifecycleError(reason, maybe_changed=bool(removed) or err.maybe_changed) from err
    note = "; ".join(["swapped", *filter(None, notes)])
    return Outcome(physical_id, _data(new, new_primary, new_alias), note)


def _restored(reason: str, recorded: Pair | None, removed: list[Pair], view: _View, req: Request) -> str:
    """Put the recorded pair (and its owner record) back if this attempt removed it, and say so."""
    if recorded is None or recorded not in removed:
        return reason
    try:
        view.port.associate(recorded, "update-restore")
        alias = view.get(recorded.region, recorded.instance_id, recorded.alias_id)
        if alias is not None:
            _record_owner(view, req, recorded, alias)
    except PortError as err:
        outcome = f" Restoring the old pair also failed: {err.code}; CloudFormation's rollback re-creates it."
    else:
        outcome = " The old pair was restored."
    # The outcome is what the operator acts on: cut the cause, never the outcome.
    return clip(reason, REASON_MAX - len(outcome)) + outcome


def delete(recorded: Pair | None, port: ConnectPort, req: Request) -> str:
    """Remove the pair recorded in the PhysicalResourceId if this resource owns it now; say what was done.

    A removal never rests on a read saying the pair is absent: when the pair is ours, Disassociate is called
    and "not found" is success.
    """
    if recorded is None:
        return "not a PhysicalResourceId this provider minted: nothing to remove"
    view = _View(port, req.clock)
    alias, why = _ownership(view, req, recorded)
    if alias is None:
        return why
    _disassociate(view, req, recorded, "delete")
    left = _release_owner(port, recorded, alias)
    return f"removed; {left}" if left else "removed"
