// who — the accountability chain of a household (or any unit): the unit, then each unit
// above it up to the county, with every person whose RESPONSIBLE_FOR assignment is active
// on $as_of (all roles). One row per level, the target first. Same rules as `gridchain who`.
//
// In Neo4j Browser, set the parameters first, then paste the statement below:
//   :param id => 'H0000001'
//   :param as_of => '2026-11-25'
// (a resident's or an issue's chain: use its household's or unit's id)

// :name who
MATCH p = (:Unit {id: $id})-[:IN*0..6]->(u:Unit)
WITH u, length(p) AS depth
OPTIONAL MATCH (person:Person)-[r:RESPONSIBLE_FOR]->(u)
WHERE coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of
WITH depth, u, r, person
ORDER BY depth, r.role, person.id
WITH depth, u,
     collect(CASE WHEN r IS NULL THEN NULL
             ELSE {role: r.role, id: person.id, name: person.name, kind: person.kind} END)
     AS responsible
RETURN depth, u.label AS level, u.id AS unit, coalesce(u.name, u.address, u.id) AS name,
       responsible
ORDER BY depth;
