// What an import that retires needs to know (engine/snapshot.py), and what it retires.
// The `_under` forms narrow to what lies strictly under the unit $within (a township admin's
// upload retires nothing of the township itself or at it, which the county keeps).

// :name ids_of_units
MATCH (n:Unit) WHERE n.label <> 'Household' RETURN n.id AS id

// :name ids_of_units_under
MATCH (n:Unit)-[:IN*1..5]->(:Unit {id: $within})
WHERE n.label <> 'Household'
RETURN DISTINCT n.id AS id

// :name ids_of_households
MATCH (n:Household) RETURN n.id AS id

// :name ids_of_households_under
MATCH (n:Household)-[:IN*1..5]->(:Unit {id: $within})
RETURN DISTINCT n.id AS id

// :name ids_of_residents
MATCH (n:Resident) RETURN n.id AS id

// :name ids_of_residents_under
MATCH (n:Resident)-[:MEMBER_OF]->(:Household)-[:IN*1..5]->(:Unit {id: $within})
RETURN DISTINCT n.id AS id

// :name ids_of_bodies
MATCH (n:Body) RETURN n.id AS id

// :name ids_of_bodies_under
MATCH (n:Body)-[:SERVES]->(:Unit)-[:IN*1..5]->(:Unit {id: $within})
RETURN DISTINCT n.id AS id

// :name ids_of_assignments
MATCH (:Person)-[r:RESPONSIBLE_FOR]->() RETURN r.id AS id

// :name ids_of_assignments_under
MATCH (:Person)-[r:RESPONSIBLE_FOR]->(:Unit)-[:IN*1..5]->(:Unit {id: $within})
RETURN DISTINCT r.id AS id

// :name ids_of_people
MATCH (n:Person) RETURN n.id AS id

// :name ids_of_visits
MATCH (:Person)-[v:VISITED]->() RETURN v.id AS id

// :name ids_of_visits_under
MATCH (:Person)-[v:VISITED]->(:Household)-[:IN*1..5]->(:Unit {id: $within})
RETURN DISTINCT v.id AS id

// :name ids_of_sweeps
MATCH (n:Sweep) RETURN n.id AS id

// :name ids_of_sweeps_under
MATCH (n:Sweep)-[:OVER]->(:Unit)-[:IN*1..5]->(:Unit {id: $within})
RETURN DISTINCT n.id AS id

// :name assignment_terms
UNWIND $ids AS id
MATCH (:Person)-[r:RESPONSIBLE_FOR {id: id}]->()
RETURN r.id AS id, r.since AS since, r.until AS until

// :name dependents
UNWIND $ids AS id
MATCH (place:Unit {id: id})<-[e:IN|MEMBER_OF|SERVES|ABOUT|RESPONSIBLE_FOR|VISITED|OVER]-(x)
RETURN place.id AS place, type(e) AS edge, x.label AS label, coalesce(e.id, x.id) AS id

// :name referred_people
// ($going: the assignments, bodies and visits the same import removes; they refer to no one
// after.)
UNWIND $ids AS id
MATCH (p:Person {id: id})
OPTIONAL MATCH (p)-[r:RESPONSIBLE_FOR]->()
WHERE NOT r.id IN $going
OPTIONAL MATCH (p)-[h:HOLDS]->(b:Body)
WHERE NOT b.id IN $going
OPTIONAL MATCH (p)<-[i:REPORTED_BY]-()
OPTIONAL MATCH (p)-[v:VISITED]->()
WHERE NOT v.id IN $going
WITH p, count(r) + count(h) + count(i) + count(v) AS references
WHERE references > 0
RETURN p.id AS id

// :name end_assignments
UNWIND $rows AS row
MATCH (:Person)-[r:RESPONSIBLE_FOR {id: row.id}]->()
SET r.until = row.until

// :name remove_assignments
UNWIND $rows AS row
MATCH (:Person)-[r:RESPONSIBLE_FOR {id: row.id}]->()
DELETE r

// :name remove_visits
UNWIND $rows AS row
MATCH (:Person)-[v:VISITED {id: row.id}]->()
DELETE v

// :name remove_sweeps
UNWIND $rows AS row MATCH (n:Sweep {id: row.id}) DETACH DELETE n

// :name remove_residents
UNWIND $rows AS row MATCH (n:Resident {id: row.id}) DETACH DELETE n

// :name remove_bodies
UNWIND $rows AS row MATCH (n:Body {id: row.id}) DETACH DELETE n

// :name remove_households
UNWIND $rows AS row MATCH (n:Unit {id: row.id}) DETACH DELETE n

// :name remove_units
UNWIND $rows AS row MATCH (n:Unit {id: row.id}) DETACH DELETE n

// :name remove_people
UNWIND $rows AS row MATCH (n:Person {id: row.id}) DETACH DELETE n
