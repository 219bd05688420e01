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

// The two gap kinds of SPEC §4.5 (visits). A visit counts for household n when, on its day,
// the visitor held an assignment (any role) to n, to n's unit, or to the grid above n's
// building: {{places n}} lists those (engine/backends/neo4j/statements.py), and
// {{active r on v.visited_at}} is the assignment's condition on the visit's day.

// :name gaps_unvisited_household
// n's latest finished sweep over it (the latest `ends`, then the highest id: `ends` is ISO text
// of one length, so the two compare as one text) saw no counting visit in its window, which
// for a finished sweep is all of it.
UNWIND $scopes AS sid
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: sid})
WHERE $color IS NULL OR n.color = $color
MATCH (n)-[:IN*1..5]->(:Unit)<-[:OVER]-(s:Sweep)
WHERE s.ends < $as_of
WITH n, max(s.ends + ' ' + s.id) AS latest
MATCH (s:Sweep {id: substring(latest, 11)})
WITH n, s, {{places n}} AS places
OPTIONAL MATCH (visitor:Person)-[v:VISITED]->(n)
WHERE v.visited_at >= s.starts AND v.visited_at <= s.ends
OPTIONAL MATCH (visitor)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places AND {{active r on v.visited_at}}
WITH n, s, count(r) AS counting
WHERE counting = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels, s.id AS sweep

// :name gaps_overdue_visit
// $cutoffs: each monitored group's first day a visit must fall on (engine/sweeps.py); a
// household in several groups is held to the latest of theirs.
UNWIND $scopes AS sid
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: sid})
WHERE n.groups IS NOT NULL AND ($color IS NULL OR n.color = $color)
UNWIND n.groups AS grp
WITH n, max($cutoffs[grp]) AS due
WHERE due IS NOT NULL
WITH n, due, {{places n}} AS places
OPTIONAL MATCH (visitor:Person)-[v:VISITED]->(n)
WHERE v.visited_at >= due AND v.visited_at <= $as_of
OPTIONAL MATCH (visitor)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places AND {{active r on v.visited_at}}
WITH n, count(r) AS counting
WHERE counting = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n.id AS id, n.label AS label, [x IN nodes(p) | x.id] AS path,
       [x IN nodes(p) | x.label] AS labels
