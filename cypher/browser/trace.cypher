// trace — the reverse trace drawn as a graph: the path household → (building) → grid →
// village → township → county, and hanging off each unit on it every person whose
// RESPONSIBLE_FOR assignment is active on $as_of (edge caption: the role). Neo4j Browser
// draws every returned path; the Table view lists them. `gridchain trace ID` picks the one
// accountable person per step (nearest grid member, lowest id) and adds an issue's timeline.
//
// In Neo4j Browser, load cypher/browser/style.grass, set the parameters, paste a statement:
//   :param id => 'H0000001'
//   :param as_of => '2026-11-25'
// `trace` starts at a unit (usually a household); `trace_issue` at an issue id ('I0001'),
// adding the issue, the unit it is about, and who reported it.

// :name trace
MATCH p = (:Unit {id: $id})-[:IN*0..6]->(:County)
UNWIND nodes(p) AS u
OPTIONAL MATCH q = (:Person)-[r:RESPONSIBLE_FOR]->(u)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
RETURN p, collect(q) AS responsible;

// :name trace_issue
MATCH (i:Issue {id: $id})-[:ABOUT]->(t:Unit)
MATCH p = (i)-[:ABOUT]->(t)-[:IN*0..6]->(:County)
OPTIONAL MATCH reporter = (i)-[:REPORTED_BY]->(:Person)
UNWIND nodes(p)[1..] AS u
OPTIONAL MATCH q = (:Person)-[r:RESPONSIBLE_FOR]->(u)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
RETURN p, reporter, collect(q) AS responsible;
