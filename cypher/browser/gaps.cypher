// gaps — coverage gaps under a scope unit (a township, a village, or the county for all),
// judged on $as_of with the rules of SPEC §4.2 and §4.5, one statement per gap kind. Each
// returns the gap node itself as `n` (Browser draws it), with its id, level and containment
// path up to the county for the Table view (an orphan's path is itself, an overloaded member's
// empty, as `gridchain gaps` gives them), and what the kind's rule looked at: the 4-to-1 team a
// quarantined household has, whoever is assigned to a high-risk one, how many households an
// overloaded grid member covers, the sweep that missed a household and the visits it saw that
// did not count, the groups of an overdue household and the first day a visit had to fall on.
// `gridchain gaps` lists every kind with a summary.
//
// In Neo4j Browser, set the parameters, then paste one statement (or the whole file with
// multi-statement queries enabled):
//   :param id => 'T01'
//   :param as_of => '2026-11-25'
//   :param limit => 50
//   :param visit_days => {subsistence: 14}
// ($limit, the most households one grid member may cover, is read by gaps_overloaded_member
// only; $visit_days, the days within which a household of each monitored group must have had
// a counting visit, 30 for a group it leaves out, by gaps_overdue_visit only: `{}` for 30
// days each, as GRIDCHAIN_VISIT_DAYS is for gridchain.) A unit with no parent is under no
// scope: gaps_orphan_unit lists every one when $id is a county, else the unit $id if it is
// one. A visit counts for household n when, on its day, the visitor held an assignment (any
// role) to n, to n's unit, or to the grid above n's building.

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

// :name gaps_incomplete_four_to_one
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $id})
WHERE n.status = 'home_quarantine'
OPTIONAL MATCH q = (f:Person)-[r:RESPONSIBLE_FOR {role: 'four_to_one'}]->(n)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
WITH n, count(DISTINCT f) AS members, collect(q) AS team
WHERE members < 4
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path, members, team
ORDER BY id;

// :name gaps_unattended_high_risk
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $id})
WHERE n.color IN ['red', 'orange']
OPTIONAL MATCH (c:Person)-[r:RESPONSIBLE_FOR]->(n)
WHERE c.kind IN ['cadre', 'leader']
  AND coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
WITH n, count(r) AS holders
WHERE holders = 0
OPTIONAL MATCH q = (:Person)-[a:RESPONSIBLE_FOR]->(n)
WHERE coalesce(a.since, '') <= $as_of AND coalesce(a.until, '9999-12-31') >= $as_of
WITH n, collect(q) AS assigned
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path, n.color AS color,
       assigned
ORDER BY id;

// :name gaps_orphan_unit
MATCH (n:Unit)
WHERE NOT n:County AND NOT (n)-[:IN]->()
OPTIONAL MATCH (county:County {id: $id})
WITH n, county
WHERE county IS NOT NULL OR n.id = $id
RETURN n, n.id AS id, n.label AS level, [n.id] AS path
ORDER BY id;

// :name gaps_overloaded_member
MATCH (m:Person)-[r:RESPONSIBLE_FOR {role: 'grid_member'}]->(t:Unit)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
MATCH (h:Household)-[:IN*0..2]->(t)
WITH m, collect(DISTINCT h) AS covered
WHERE size(covered) > $limit
UNWIND covered AS h
MATCH (h)-[:IN*0..5]->(:Unit {id: $id})
WITH DISTINCT m, size(covered) AS households
RETURN m AS n, m.id AS id, 'Person' AS level, [] AS path, households
ORDER BY id;

// :name gaps_unvisited_household
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $id})
MATCH (n)-[:IN*1..5]->(:Unit)<-[:OVER]-(s:Sweep)
WHERE s.ends < $as_of
WITH n, max(s.ends + ' ' + s.id) AS latest
MATCH (s:Sweep {id: substring(latest, 11)})
WITH n, s, [n.id] + [(n)-[:IN]->(unit:Unit) | unit.id] + [(n)-[:IN]->(:Building)-[:IN]->(grid:Unit) | grid.id] AS places
OPTIONAL MATCH q = (visitor:Person)-[v:VISITED]->(n)
WHERE v.visited_at >= s.starts AND v.visited_at <= s.ends
OPTIONAL MATCH (visitor)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places
  AND coalesce(r.since, '') <= v.visited_at AND coalesce(r.until, '9999-12-31') >= v.visited_at
WITH n, s, q, count(r) AS counting
WITH n, s, sum(counting) AS counted, collect(q) AS visits
WHERE counted = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path, s.id AS sweep, visits
ORDER BY id;

// :name gaps_overdue_visit
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $id})
UNWIND n.groups AS grp
WITH n, max(toString(date($as_of) - duration({days: coalesce($visit_days[grp], 30) - 1}))) AS due
WITH n, due, [n.id] + [(n)-[:IN]->(unit:Unit) | unit.id] + [(n)-[:IN]->(:Building)-[:IN]->(grid:Unit) | grid.id] AS places
OPTIONAL MATCH q = (visitor:Person)-[v:VISITED]->(n)
WHERE v.visited_at >= due AND v.visited_at <= $as_of
OPTIONAL MATCH (visitor)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places
  AND coalesce(r.since, '') <= v.visited_at AND coalesce(r.until, '9999-12-31') >= v.visited_at
WITH n, due, q, count(r) AS counting
WITH n, due, sum(counting) AS counted, collect(q) AS visits
WHERE counted = 0
MATCH p = (n)-[:IN*0..6]->(:County)
RETURN n, n.id AS id, n.label AS level, [x IN nodes(p) | x.id] AS path, n.groups AS groups,
       due, visits
ORDER BY id;
