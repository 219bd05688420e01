// The Bolt test server (FalkorDB): no constraint DDL and no IF NOT EXISTS, so plain
// indexes, each created only when `db.indexes()` does not list it (a repeat is refused).
// No index on a visit's day, which Neo4j gets: FalkorDB 4.16 answers `v.visited_at <= day`
// wrongly through a range index on the relationship's strings (it keeps every visit).

// :name unit_id
CREATE INDEX FOR (n:Unit) ON (n.id)

// :name resident_id
CREATE INDEX FOR (n:Resident) ON (n.id)

// :name person_id
CREATE INDEX FOR (n:Person) ON (n.id)

// :name body_id
CREATE INDEX FOR (n:Body) ON (n.id)

// :name issue_id
CREATE INDEX FOR (n:Issue) ON (n.id)

// :name assignment_id
CREATE INDEX FOR ()-[r:RESPONSIBLE_FOR]-() ON (r.id)

// :name sweep_id
CREATE INDEX FOR (n:Sweep) ON (n.id)

// :name visit_id
CREATE INDEX FOR ()-[v:VISITED]-() ON (v.id)

// :name issue_event_id
CREATE INDEX FOR (n:IssueEvent) ON (n.id)

// :name department_id
CREATE INDEX FOR (n:Department) ON (n.id)

// :name color_change_id
CREATE INDEX FOR (n:ColorChange) ON (n.id)

// :name change_id
CREATE INDEX FOR (n:Change) ON (n.id)

// :name change_record
CREATE INDEX FOR (n:Change) ON (n.record)
