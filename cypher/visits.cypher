// Work done against work assigned (SPEC §4.5): sweeps, a household's visits, and how many
// households of each unit (or person) a window's counting visits reached. A visit counts for
// household n when, on its day, the visitor held an assignment (any role) to n, to n's unit,
// or to the grid above n's building: {{places n}} lists those, and {{active r on v.visited_at}}
// is the assignment's condition on the visit's day (engine/backends/neo4j/statements.py).
// $first … $last is a sweep's window (both null before it starts: a comparison with null keeps
// no visit).

// :name sweep
MATCH (s:Sweep {id: $id})
RETURN properties(s) AS props

// :name sweeps
MATCH (s:Sweep)
RETURN properties(s) AS props
ORDER BY s.id

// :name household_visits
// One row with no visit for a household never visited; none for no household.
MATCH (n:Unit {id: $id})
WHERE n:Household
WITH n, {{places n}} AS places
OPTIONAL MATCH (visitor:Person)-[v:VISITED]->(n)
OPTIONAL MATCH (visitor)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places AND {{active r on v.visited_at}}
WITH v, visitor, count(r) > 0 AS counts
RETURN properties(v) AS props, coalesce(visitor.name, visitor.id) AS name, counts
ORDER BY v.visited_at DESC, v.id DESC

// :name unit_coverage
// Every unit labelled $label at or under $scope, with households or not.
MATCH (u:Unit)-[:IN*0..5]->(:Unit {id: $scope})
WHERE u.label = $label
OPTIONAL MATCH (n:Household)-[:IN*1..5]->(u)
WITH u, n, {{places n}} AS places
OPTIONAL MATCH (visitor:Person)-[v:VISITED]->(n)
WHERE v.visited_at >= $first AND v.visited_at <= $last
OPTIONAL MATCH (visitor)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places AND {{active r on v.visited_at}}
WITH u, n, count(r) > 0 AS visited
RETURN u.id AS unit, count(n) AS households, sum(CASE WHEN visited THEN 1 ELSE 0 END) AS visited
ORDER BY unit

// :name person_coverage
// Each person with an assignment active on $as_of over households of $scope: the households
// under their assignments (inside $scope), and those they reached themselves with a counting
// visit.
MATCH (n:Household)-[:IN*0..5]->(:Unit {id: $scope})
MATCH (n)-[:IN*0..5]->(:Unit)<-[a:RESPONSIBLE_FOR]-(holder:Person)
WHERE {{active a}}
WITH DISTINCT holder, n
WITH holder, n, {{places n}} AS places
OPTIONAL MATCH (holder)-[v:VISITED]->(n)
WHERE v.visited_at >= $first AND v.visited_at <= $last
OPTIONAL MATCH (holder)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE t.id IN places AND {{active r on v.visited_at}}
WITH holder, n, count(r) > 0 AS visited
RETURN holder.id AS person, count(n) AS households,
       sum(CASE WHEN visited THEN 1 ELSE 0 END) AS visited
ORDER BY person

// :name required_holders
// $required: the role each level must have held (SPEC §4.2), by label; the lowest person id
// first.
UNWIND $ids AS id
MATCH (u:Unit {id: id})<-[r:RESPONSIBLE_FOR]-(holder:Person)
WHERE r.role = $required[u.label] AND {{active r}}
RETURN u.id AS unit, holder.id AS person, holder.name AS name, r.role AS role
ORDER BY unit, person
