// One statement per gap kind of SPEC §4.2. $scopes lists the units searched under (the
// scope, or every county); each row is a gap with its containment path up to the county.
// The rules come as parameters (engine/backends/neo4j/rules.py): the roles a level requires
// ($commander, $grid_head, $grid_member), the 4-to-1 team ($four_to_one role, $team people for
// a $quarantine household), the $high_risk colours and the $responsible_kinds of person one
// needs. {{active r}} is "assignment r is active on $as_of" (engine/backends/neo4j/statements.py).
// $color, when not null, keeps only the gaps of households of that colour, so the kinds that
// are never a household's find nothing.

// :name gaps_missing_commander
UNWIND $scopes AS sid
MATCH (n:Unit)-[:IN*0..5]->(:Unit {id: sid})
WHERE $color IS NULL AND n.label IN ['Township', 'Village']
OPTIONAL MATCH (:Person)-[r:RESPONSIBLE_FOR {role: $commander}]->(n)
WHERE {{active r}}
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels

// :name gaps_missing_grid_head
UNWIND $scopes AS sid
MATCH (n:Grid)-[:IN*0..5]->(:Unit {id: sid})
WHERE $color IS NULL
OPTIONAL MATCH (:Person)-[r:RESPONSIBLE_FOR {role: $grid_head}]->(n)
WHERE {{active r}}
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels

// :name gaps_uncovered_household
UNWIND $scopes AS sid
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: sid})
WHERE $color IS NULL OR n.color = $color
MATCH (n)-[:IN*0..2]->(c:Unit)
WHERE c.label IN ['Household', 'Building', 'Grid']
OPTIONAL MATCH (:Person)-[r:RESPONSIBLE_FOR {role: $grid_member}]->(c)
WHERE {{active r}}
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels

// :name gaps_empty_household
UNWIND $scopes AS sid
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: sid})
WHERE ($color IS NULL OR n.color = $color) AND NOT (:Resident)-[:MEMBER_OF]->(n)
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels

// :name gaps_incomplete_four_to_one
UNWIND $scopes AS sid
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: sid})
WHERE n.status = $quarantine AND ($color IS NULL OR n.color = $color)
OPTIONAL MATCH (f:Person)-[r:RESPONSIBLE_FOR {role: $four_to_one}]->(n)
WHERE {{active r}}
WITH n, count(DISTINCT f) AS team
WHERE team < $team
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels

// :name gaps_unattended_high_risk
UNWIND $scopes AS sid
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: sid})
WHERE n.color IN $high_risk AND ($color IS NULL OR n.color = $color)
OPTIONAL MATCH (c:Person)-[r:RESPONSIBLE_FOR]->(n)
WHERE c.kind IN $responsible_kinds AND {{active r}}
WITH n, count(r) AS holders
WHERE holders = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels

// :name gaps_orphan_unit
MATCH (n:Unit)
WHERE n.label <> 'County' AND NOT (n)-[:IN]->() AND ($everywhere OR n.id IN $scopes)
  AND ($color IS NULL OR n.label = 'Household' AND n.color = $color)
RETURN n.id AS id, n.label AS label, [n.id] AS path, [n.label] AS labels

// :name gaps_overloaded_member
MATCH (m:Person)-[r:RESPONSIBLE_FOR {role: $grid_member}]->(t:Unit)
WHERE $color IS NULL AND {{active r}}
MATCH (h:Household)-[:IN*0..2]->(t)
WITH m, collect(DISTINCT h) AS covered
WHERE size(covered) > $limit
UNWIND covered AS h
MATCH (h)-[:IN*0..5]->(s:Unit)
WHERE s.id IN $scopes
RETURN DISTINCT m.id AS id, 'Person' AS label, [] AS path, [] AS labels
