// Counts for `stats`: of the whole graph, or of a scope (its units and households, their
// residents, bodies and issues, and the people actively assigned to them).

// :name count_all_nodes
MATCH (n)
RETURN n.label AS label, count(*) AS count

// :name count_all_assignments
MATCH ()-[r:RESPONSIBLE_FOR]->()
WHERE {{active r}}
RETURN r.role AS role, count(*) AS count

// :name count_scope_places
MATCH (n:Unit)-[:IN*0..5]->(:Unit {id: $scope})
RETURN n.label AS label, count(*) AS count

// :name count_scope_attached
MATCH (n:Unit)-[:IN*0..5]->(:Unit {id: $scope})
MATCH (x)-[:MEMBER_OF|SERVES|ABOUT]->(n)
RETURN x.label AS label, count(DISTINCT x) AS count

// :name count_scope_people
MATCH (n:Unit)-[:IN*0..5]->(:Unit {id: $scope})
MATCH (p:Person)-[r:RESPONSIBLE_FOR]->(n)
WHERE {{active r}}
RETURN 'Person' AS label, count(DISTINCT p) AS count

// :name count_scope_assignments
MATCH (n:Unit)-[:IN*0..5]->(:Unit {id: $scope})
MATCH ()-[r:RESPONSIBLE_FOR]->(n)
WHERE {{active r}}
RETURN r.role AS role, count(*) AS count
