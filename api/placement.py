"""Where the records of an uploaded data set lie, so a township admin writes only inside its
township: each record must lie there after the upload, and before it if it was stored already.
"""

from __future__ import annotations

from collections.abc import Iterator

from api.scopes import assignable, township_of
from engine.backends.base import Backend
from engine.errors import NotFound
from engine.model import Assignment, DataSet


class Placement:
    def __init__(self, data: DataSet, backend: Backend) -> None:
        self.backend = backend
        self.labels = {u.id: u.label for u in data.units}
        # Each new record's place: the unit, household or node it hangs under or is about.
        self.parent: dict[str, str | None] = {
            **{u.id: u.parent_id for u in data.units},
            **{h.id: h.unit_id for h in data.households},
            **{r.id: r.household_id for r in data.residents},
            **{b.id: b.unit_id for b in data.bodies},
            **{i.id: i.target_id for i in data.issues},
        }
        self.found: dict[str, str | None] = {}

    def township(self, node: str) -> str | None:
        """The township `node` lies in once the data set is stored."""
        if node not in self.found:
            label = self.labels.get(node)
            if label == "Township":
                self.found[node] = node
            elif label == "County":
                self.found[node] = None
            elif node in self.parent:
                parent = self.parent[node]
                self.found[node] = self.township(parent) if parent else None
            else:
                self.found[node] = township_of(self.backend.path_of(node))
        return self.found[node]

    def stored_township(self, node: str) -> str | None:
        return township_of(self.backend.path_of(node))


def outside(data: DataSet, backend: Backend, township: str) -> Iterator[str]:
    """The ids of records that lie, or lay, outside `township`."""
    place = Placement(data, backend)
    placed = [*data.units, *data.households, *data.residents, *data.bodies, *data.issues]
    stored = backend.known_labels({r.id for r in placed} | {p.id for p in data.people})
    for record in placed:
        if place.township(record.id) != township or (
            record.id in stored and place.stored_township(record.id) != township
        ):
            yield record.id
    for assignment in data.assignments:
        if place.township(assignment.target_id) != township:
            yield assignment.id
            continue
        before = stored_assignment(backend, assignment.id)
        if before is not None and place.stored_township(before.target_id) != township:
            yield assignment.id
            continue
        # The same hold as POST /assignments: another township's person is the county's to
        # assign; a new person of this data set has served nowhere yet.
        if (before is None or before.person_id != assignment.person_id) and not assignable(
            backend, assignment.person_id, township
        ):
            yield assignment.id
    # A person is one record across days: renaming one who served elsewhere, even long ago,
    # would rewrite that township's past chains too.
    served = backend.assigned_places({p.id for p in data.people if p.id in stored})
    for person in data.people:
        if any(place.stored_township(target) != township for target in served.get(person.id, ())):
            yield person.id


def stored_assignment(backend: Backend, assignment: str) -> Assignment | None:
    try:
        return backend.assignment(assignment)
    except NotFound:
        return None
