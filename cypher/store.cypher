// Writes of an import: UNWIND batches, MERGE on ids, so a re-run after a crash converges.
// Every node keeps its record's fields as properties (dates as ISO strings) and its kind's
// label; units also carry :Unit and bodies :Body, and are merged on those labels, so one
// index finds any of them by id (a MERGE on a label without an index scans the label).

// :name merge_county
UNWIND $rows AS row MERGE (n:Unit {id: row.id}) SET n = row.props, n:County

// :name merge_township
UNWIND $rows AS row MERGE (n:Unit {id: row.id}) SET n = row.props, n:Township

// :name merge_village
UNWIND $rows AS row MERGE (n:Unit {id: row.id}) SET n = row.props, n:Village

// :name merge_grid
UNWIND $rows AS row MERGE (n:Unit {id: row.id}) SET n = row.props, n:Grid

// :name merge_building
UNWIND $rows AS row MERGE (n:Unit {id: row.id}) SET n = row.props, n:Building

// :name merge_household
UNWIND $rows AS row MERGE (n:Unit {id: row.id}) SET n = row.props, n:Household

// :name merge_resident
UNWIND $rows AS row MERGE (n:Resident {id: row.id}) SET n = row.props

// :name merge_person
UNWIND $rows AS row MERGE (n:Person {id: row.id}) SET n = row.props

// :name merge_pioneer_post
UNWIND $rows AS row MERGE (n:Body {id: row.id}) SET n = row.props, n:PioneerPost

// :name merge_pioneer_team
UNWIND $rows AS row MERGE (n:Body {id: row.id}) SET n = row.props, n:PioneerTeam

// :name merge_party_org
UNWIND $rows AS row MERGE (n:Body {id: row.id}) SET n = row.props, n:PartyOrg

// :name merge_volunteer_team
UNWIND $rows AS row MERGE (n:Body {id: row.id}) SET n = row.props, n:VolunteerTeam

// :name merge_issue
UNWIND $rows AS row MERGE (n:Issue {id: row.id}) SET n = row.props

// :name link_unit_parent
UNWIND $rows AS row
MATCH (child:Unit {id: row.id})
OPTIONAL MATCH (child)-[old:IN]->(previous:Unit)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT child, row.target AS target
MATCH (parent:Unit {id: target})
MERGE (child)-[:IN]->(parent)

// :name link_resident_household
UNWIND $rows AS row
MATCH (resident:Resident {id: row.id})
OPTIONAL MATCH (resident)-[old:MEMBER_OF]->(previous:Household)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT resident, row.target AS target
MATCH (household:Unit {id: target})
MERGE (resident)-[:MEMBER_OF]->(household)

// :name link_body_unit
UNWIND $rows AS row
MATCH (body:Body {id: row.id})
OPTIONAL MATCH (body)-[old:SERVES]->(previous:Unit)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT body, row.target AS target
MATCH (unit:Unit {id: target})
MERGE (body)-[:SERVES]->(unit)

// :name link_body_holder
UNWIND $rows AS row
MATCH (body:Body {id: row.id})
OPTIONAL MATCH (previous:Person)-[old:HOLDS]->(body)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT body, row.target AS target
MATCH (holder:Person {id: target})
MERGE (holder)-[:HOLDS]->(body)

// :name link_issue_subject
UNWIND $rows AS row
MATCH (issue:Issue {id: row.id})
OPTIONAL MATCH (issue)-[old:ABOUT]->(previous:Unit)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT issue, row.target AS target
MATCH (subject:Unit {id: target})
MERGE (issue)-[:ABOUT]->(subject)

// :name link_issue_reporter
UNWIND $rows AS row
MATCH (issue:Issue {id: row.id})
OPTIONAL MATCH (issue)-[old:REPORTED_BY]->(previous:Person)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT issue, row.target AS target
MATCH (reporter:Person {id: target})
MERGE (issue)-[:REPORTED_BY]->(reporter)

// :name merge_assignment
// An assignment id that moved to another person or place leaves its old edge behind first:
// one edge per id, on servers that cannot enforce it too.
UNWIND $rows AS row
OPTIONAL MATCH (holder:Person)-[moved:RESPONSIBLE_FOR {id: row.id}]->(place:Unit)
WHERE holder.id <> row.props.person_id OR place.id <> row.props.target_id
DELETE moved
WITH DISTINCT row
MATCH (person:Person {id: row.props.person_id})
MATCH (target:Unit {id: row.props.target_id})
MERGE (person)-[r:RESPONSIBLE_FOR {id: row.id}]->(target)
SET r = row.props

// :name merge_sweep
UNWIND $rows AS row MERGE (n:Sweep {id: row.id}) SET n = row.props

// :name link_sweep_scope
UNWIND $rows AS row
MATCH (sweep:Sweep {id: row.id})
OPTIONAL MATCH (sweep)-[old:OVER]->(previous:Unit)
WHERE previous.id <> row.target
DELETE old
WITH DISTINCT sweep, row.target AS target
MATCH (scope:Unit {id: target})
MERGE (sweep)-[:OVER]->(scope)

// :name merge_visit
// A visit is an edge with an id, like an assignment: one that moved to another person or
// household leaves its old edge behind first.
UNWIND $rows AS row
OPTIONAL MATCH (visitor:Person)-[moved:VISITED {id: row.id}]->(place:Unit)
WHERE visitor.id <> row.props.person_id OR place.id <> row.props.household_id
DELETE moved
WITH DISTINCT row
MATCH (person:Person {id: row.props.person_id})
MATCH (household:Unit {id: row.props.household_id})
MERGE (person)-[v:VISITED {id: row.id}]->(household)
SET v = row.props
