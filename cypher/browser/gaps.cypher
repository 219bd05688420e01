// gaps — coverage gaps under a scope unit (a township, a village, or the county for all),
// judged on $as_of with the rules of SPEC §4.2. Each statement returns the gap nodes
// themselves (Browser draws them; the Table view shows id, level and the containment
// path up to the county). `gridchain gaps` lists every kind with a summary.
//
// In Neo4j Browser, set the parameters, then paste one statement (or the whole file with
// multi-statement queries enabled):
//   :param id => 'T01'
//   :param as_of => '2026-11-25'

// :name gaps_missing_commander
MATCH (n:Unit)-[:IN*0..5]->(:Unit {id: $id})
WHERE n:Township OR n:Village
OPTIONAL MATCH (:Person)-[r:RESPONSIBLE_FOR {role: 'commander'}]->(n)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path
ORDER BY id;

// :name gaps_missing_grid_head
MATCH (n:Grid)-[:IN*0..5]->(:Unit {id: $id})
OPTIONAL MATCH (:Person)-[r:RESPONSIBLE_FOR {role: 'grid_head'}]->(n)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path
ORDER BY id;

// :name gaps_uncovered_household
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $id})
MATCH (n)-[:IN*0..2]->(c:Unit)
WHERE c:Household OR c:Building OR c:Grid
OPTIONAL MATCH (:Person)-[r:RESPONSIBLE_FOR {role: 'grid_member'}]->(c)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path
ORDER BY id;

// :name gaps_empty_household
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $id})
WHERE NOT (:Resident)-[:MEMBER_OF]->(n)
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path
ORDER BY id;
