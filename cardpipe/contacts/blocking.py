"""The dedupe index: blocking keys for every stored card, so a new card is judged against the few contacts it could be, not all of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..models import ContactRecord
from .dedupe import (
    BLOCK_LIMIT,
    LINK_RULES,
    OFFICE_BLOCK_LIMIT,
    PRIOR_CARDS,
    PRIOR_SHARE,
    SUGGEST_LIMIT,
    Evidence,
    Match,
    Suggestion,
    _best_name,
    _count_keys,
    _plain,
    _Profile,
    _strength,
    _suggest_all,
    evidence,
    judge,
)
from .names import (
    COMPATIBLE,
    UNKNOWN,
    PersonName,
)


@dataclass(frozen=True)
class Placement:
    """Where a new card goes (`Index.plan`): its contact (None: a new one), the match
    that decided (None: no match), the contacts the card joins into it, each with
    the match that linked it, and the contacts it nearly matched, for the user to
    confirm or dismiss (none that the user kept apart from the card's contact)."""

    contact_id: int | None
    match: Match | None
    joined: tuple[Match, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()  # other contacts the card nearly matched


class Index:
    """Cards and contacts in memory, with the blocks and the user's apart-decisions.

    Build it from the store's rows (`Index.build`); for each new card, `plan()` says
    where it goes (changing nothing) and `apply()` files it once the caller has its id.
    """

    def __init__(self, *, block_limit: int = BLOCK_LIMIT) -> None:
        self.block_limit = block_limit
        self._evidence: dict[int, Evidence] = {}
        self._contact: dict[int, int] = {}  # card -> contact
        self._members: dict[int, list[int]] = {}  # contact -> cards
        self._blocks: dict[str, list[int]] = {}  # key -> cards
        self._profiles: dict[int, _Profile] = {}
        self._apart: dict[int, set[int]] = {}  # card -> cards it must not share a contact with
        self._counts: Counter[str] = Counter()  # cards by given name, family name and city
        self._counted = 0  # cards with a name and a city, in _counts

    @classmethod
    def build(
        cls,
        cards: Iterable[tuple[int, int, ContactRecord | Evidence]],
        apart: Iterable[tuple[int, int]] = (),
        **kw: int,
    ) -> Index:
        """An index of (card id, contact id, record) rows and (card, card) pairs kept apart."""
        index = cls(**kw)
        for card_id, contact_id, rec in cards:
            index.add(card_id, contact_id, rec)
        for a, b in apart:
            index.keep_apart(a, b)
        return index

    # ---- reading ----

    def __len__(self) -> int:
        return len(self._contact)

    def contact_of(self, card_id: int) -> int:
        return self._contact[card_id]

    def cards_of(self, contact_id: int) -> list[int]:
        return list(self._members.get(contact_id, ()))

    def contacts(self) -> dict[int, list[int]]:
        return {c: list(m) for c, m in self._members.items() if m}

    def _profile(self, contact_id: int) -> _Profile:
        prof = self._profiles.get(contact_id)
        if prof is None:
            prof = _Profile()
            for card in self._members.get(contact_id, ()):
                prof.add(self._evidence[card])
            self._profiles[contact_id] = prof
        return prof

    def candidates(self, ev: Evidence) -> set[int]:
        """The contacts that share a block with this evidence."""
        out: set[int] = set()
        contact = self._contact
        for key in ev.probes:
            limit = self.block_limit
            if key.startswith("T:"):
                key, limit = "t:" + key[2:], OFFICE_BLOCK_LIMIT
            cards = self._blocks.get(key)
            if cards and len(cards) <= limit:
                out.update(contact[c] for c in cards)
        return out

    def matches(self, record: ContactRecord | Evidence, near: list[Suggestion] | None = None) -> list[Match]:
        """Every contact the card matches, strongest first (and in `near`, the near misses)."""
        ev = record if isinstance(record, Evidence) else evidence(record)
        found = [
            m for cid in self.candidates(ev) if (m := judge(ev, cid, self._profile(cid), self.namesakes, near))
        ]
        return sorted(found, key=_strength, reverse=True)

    def namesakes(
        self, ev: Evidence, other: PersonName | None = None, contact_id: int | None = None, *, anywhere: bool = False
    ) -> float:
        """How many people besides contact `contact_id` one expects by chance with this
        card's given and family name in its city: contacts x p(given) x p(family) x p(city)
        (`anywhere`: in the whole network, without p(city)),
        the shares counted over the cards filed (without the contact's own) and smoothed
        towards PRIOR_SHARE, so that a young network does not take every name for rare;
        each the larger of the card's spelling and `other`'s (Miller / Muller: both common)."""
        if ev.name is None or (ev.city is None and not anywhere):
            return float("inf")
        own: Counter[str] = Counter()
        for card in self._members.get(contact_id, ()) if contact_id is not None else ():
            e = self._evidence[card]
            if e.name is not None and e.city is not None:
                own.update(_count_keys(e.name, e.city))
        c = self._counts
        n = self._counted - sum(own.values()) // 3 + PRIOR_CARDS
        names = [ev.name] if other is None else [ev.name, other]
        keys = [_count_keys(name, ev.city or "") for name in names]

        def share(kind: int, key: str) -> float:  # smoothed towards the prior share
            return (c[key] - own[key] + PRIOR_CARDS * PRIOR_SHARE[kind]) / n

        given = max(share(0, k[0]) for k in keys)
        family = max(share(1, k[1]) for k in keys)
        return max(len(self._members), 1) * given * family * (1.0 if anywhere else share(2, keys[0][2]))

    def match(self, record: ContactRecord | Evidence, near: list[Suggestion] | None = None) -> Match | None:
        """The contact this card belongs to, with the other contacts it links (`also`).
        With `near`, the contacts it nearly matches are added to it (see `plan`)."""
        found = self.matches(record, near)
        if not found:
            return None
        best = found[0]
        if best.level <= COMPATIBLE and best.rule not in ("email", "profile", "mobile") and len(found) > 1:
            # "J. Doe" at Acme, and both John and Jane Doe work there: ask nobody, guess nothing
            _suggest_all(near, found, f"the name fits {len(found)} contacts")
            return None
        if best.rule == "name+city" and any(m.rule == "name+city" for m in found[1:]):
            # two contacts of this name in this city already: namesakes, or one of them
            _suggest_all(near, found, f"{len(found)} contacts of that name live in that city")
            return None
        if best.rule not in LINK_RULES:
            return best
        also = tuple(m for m in found[1:] if m.rule in LINK_RULES and self.can_merge(best.contact_id, m.contact_id))
        if near is not None:  # a contact of the same name and city: not enough to join it too
            near.extend(
                Suggestion(m.contact_id, m.rule, _plain(m.detail) + "; not merged automatically: the card matched "
                           f"contact {best.contact_id} ({best.rule}), and the same name and city cannot join two contacts")
                for m in found[1:] if m.rule == "name+city"
            )
        return replace(best, also=also) if also else best

    def can_merge(self, a: int, b: int) -> bool:
        """False when the user kept a card of one apart from a card of the other, or
        the two contacts' names contradict each other."""
        if a == b:
            return False
        for card in self._members.get(a, ()):
            for other in self._apart.get(card, ()):
                if self._contact.get(other) == b:
                    return False
        names_b = list(self._profile(b).names)
        return all(_best_name(n, names_b)[0] >= UNKNOWN for n in self._profile(a).names) if names_b else True

    # ---- writing ----

    def add(self, card_id: int, contact_id: int, record: ContactRecord | Evidence) -> Evidence:
        """File a card under a contact (a new contact id is fine)."""
        ev = record if isinstance(record, Evidence) else evidence(record)
        self._evidence[card_id] = ev
        self._contact[card_id] = contact_id
        self._members.setdefault(contact_id, []).append(card_id)
        for key in ev.keys:
            self._blocks.setdefault(key, []).append(card_id)
        if ev.name is not None and ev.city is not None:
            self._counts.update(_count_keys(ev.name, ev.city))
            self._counted += 1
        prof = self._profiles.get(contact_id)
        if prof is not None:
            prof.add(ev)
        return ev

    def plan(self, record: ContactRecord | Evidence) -> Placement:
        """Decide where a new card goes, changing nothing: its best contact, which also
        absorbs the other contacts the card links (the oldest id survives); or a new one."""
        near: list[Suggestion] = []
        m = self.match(record, near)
        if m is None:
            return Placement(None, None, suggestions=self._suggestions(near, ()))
        into = min([m.contact_id, *(x.contact_id for x in m.also)])
        joined: list[Match] = []
        for other in sorted([m, *m.also], key=lambda x: x.contact_id):
            if other.contact_id == into:
                continue
            if self.can_merge(into, other.contact_id) and all(self.can_merge(j.contact_id, other.contact_id) for j in joined):
                joined.append(other)
        if m.contact_id != into and m not in joined:  # the best match could not be joined: go there alone
            return Placement(m.contact_id, replace(m, also=()), suggestions=self._suggestions(near, (m.contact_id,)))
        placed = (into, *(j.contact_id for j in joined))
        return Placement(into, replace(m, contact_id=into, also=()), tuple(joined), self._suggestions(near, placed))

    def _suggestions(self, near: list[Suggestion], placed: tuple[int, ...]) -> tuple[Suggestion, ...]:
        """The near misses worth showing: one per contact, none that the card's contact
        (`placed`: it and the contacts it joins; none for a new contact) cannot merge
        with, and none at all when there are more than SUGGEST_LIMIT."""
        out: dict[int, Suggestion] = {}
        for s in near:
            if s.contact_id not in out and s.contact_id not in placed and all(self.can_merge(c, s.contact_id) for c in placed):
                out[s.contact_id] = s
        return tuple(out.values()) if len(out) <= SUGGEST_LIMIT else ()

    def apply(self, card_id: int, record: ContactRecord | Evidence, contact_id: int, placement: Placement) -> Evidence:
        """File the card as planned (`contact_id`: the planned one, or the new contact's id)."""
        ev = self.add(card_id, contact_id, record)
        for other in placement.joined:
            self.merge(contact_id, other.contact_id)
        return ev

    def merge(self, into: int, other: int) -> list[int]:
        """Move every card of `other` into `into`; returns the cards moved."""
        moved = self._members.pop(other, [])
        for card in moved:
            self._contact[card] = into
        self._members.setdefault(into, []).extend(moved)
        self._profiles.pop(other, None)
        prof = self._profiles.get(into)
        if prof is not None:
            for card in moved:
                prof.add(self._evidence[card])
        return moved

    def keep_apart(self, a: int, b: int) -> None:
        """The user split cards a and b apart: no automatic join puts them together again.
        (The store rebuilds its index after a user's merge or split.)"""
        self._apart.setdefault(a, set()).add(b)
        self._apart.setdefault(b, set()).add(a)
