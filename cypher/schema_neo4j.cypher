// Neo4j 5: uniqueness of ids per kind, the assignment's and the visit's too where the server
// can enforce it on a relationship (engine/backends/neo4j/schema.py picks the statements of
// those two).

// :name unit_id
CREATE CONSTRAINT unit_id IF NOT EXISTS FOR (n:Unit) REQUIRE n.id IS UNIQUE

// :name resident_id
CREATE CONSTRAINT resident_id IF NOT EXISTS FOR (n:Resident) REQUIRE n.id IS UNIQUE

// :name person_id
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE

// :name body_id
CREATE CONSTRAINT body_id IF NOT EXISTS FOR (n:Body) REQUIRE n.id IS UNIQUE

// :name issue_id
CREATE CONSTRAINT issue_id IF NOT EXISTS FOR (n:Issue) REQUIRE n.id IS UNIQUE

// :name assignment_id
// Before Neo4j 5.7 (no relationship constraints): the assignment id indexed, not enforced.
CREATE INDEX assignment_id IF NOT EXISTS FOR ()-[r:RESPONSIBLE_FOR]-() ON (r.id)

// :name assignment_id_index_replaced
// From Neo4j 5.7 the constraint below indexes the id itself; the index above would block it.
DROP INDEX assignment_id IF EXISTS

// :name assignment_id_unique
CREATE CONSTRAINT assignment_id_unique IF NOT EXISTS
FOR ()-[r:RESPONSIBLE_FOR]-() REQUIRE r.id IS UNIQUE

// :name sweep_id
CREATE CONSTRAINT sweep_id IF NOT EXISTS FOR (n:Sweep) REQUIRE n.id IS UNIQUE

// :name visit_id
// Before Neo4j 5.7 (no relationship constraints): the visit id indexed, not enforced.
CREATE INDEX visit_id IF NOT EXISTS FOR ()-[v:VISITED]-() ON (v.id)

// :name visit_id_index_replaced
// From Neo4j 5.7 the constraint below indexes the id itself; the index above would block it.
DROP INDEX visit_id IF EXISTS

// :name visit_id_unique
CREATE CONSTRAINT visit_id_unique IF NOT EXISTS
FOR ()-[v:VISITED]-() REQUIRE v.id IS UNIQUE

// :name visit_day
// Visits by their day, for what an analyst asks of a period (gridchain itself reaches a
// household's visits from the household).
CREATE INDEX visit_day IF NOT EXISTS FOR ()-[v:VISITED]-() ON (v.visited_at)

// :name issue_event_id
CREATE CONSTRAINT issue_event_id IF NOT EXISTS FOR (n:IssueEvent) REQUIRE n.id IS UNIQUE

// :name department_id
CREATE CONSTRAINT department_id IF NOT EXISTS FOR (n:Department) REQUIRE n.id IS UNIQUE

// :name color_change_id
CREATE CONSTRAINT color_change_id IF NOT EXISTS FOR (n:ColorChange) REQUIRE n.id IS UNIQUE

// :name change_id
CREATE CONSTRAINT change_id IF NOT EXISTS FOR (n:Change) REQUIRE n.id IS UNIQUE

// :name change_record
CREATE INDEX change_record IF NOT EXISTS FOR (n:Change) ON (n.record)
