// Lookups of single things. {{active r}} is "assignment r is active on $as_of": started and
// not ended (engine/backends/neo4j/statements.py writes it out).

// :name labels_of
UNWIND $ids AS id
OPTIONAL MATCH (u:Unit {id: id})
OPTIONAL MATCH (r:Resident {id: id})
OPTIONAL MATCH (p:Person {id: id})
OPTIONAL MATCH (b:Body {id: id})
OPTIONAL MATCH (i:Issue {id: id})
WITH id, coalesce(u.label, r.label, p.label, b.label, i.label) AS label
WHERE label IS NOT NULL
RETURN id, label

// :name stored_units
UNWIND $ids AS id
MATCH (n:Unit {id: id})
RETURN n.id AS id, properties(n) AS props

// :name stored_residents
UNWIND $ids AS id
MATCH (n:Resident {id: id})
RETURN n.id AS id, properties(n) AS props

// :name stored_people
UNWIND $ids AS id
MATCH (n:Person {id: id})
RETURN n.id AS id, properties(n) AS props

// :name stored_bodies
UNWIND $ids AS id
MATCH (n:Body {id: id})
RETURN n.id AS id, properties(n) AS props

// :name stored_issues
UNWIND $ids AS id
MATCH (n:Issue {id: id})
RETURN n.id AS id, properties(n) AS props

// :name stored_assignments
UNWIND $ids AS id
MATCH ()-[r:RESPONSIBLE_FOR {id: id}]->()
RETURN r.id AS id, properties(r) AS props

// :name locate
OPTIONAL MATCH (u:Unit {id: $id})
OPTIONAL MATCH (r:Resident {id: $id})
OPTIONAL MATCH (i:Issue {id: $id})
OPTIONAL MATCH (p:Person {id: $id})
OPTIONAL MATCH (b:Body {id: $id})
RETURN u.id AS unit, r.household_id AS household, i.id AS issue, i.target_id AS subject,
       coalesce(p.label, b.label) AS other

// :name chain
UNWIND $ids AS start
MATCH p = (s:Unit {id: start})-[:IN*0..6]->(u:Unit)
WITH start, u, length(p) AS depth
OPTIONAL MATCH (person:Person)-[r:RESPONSIBLE_FOR]->(u)
WHERE {{active r}}
WITH start, u, depth,
     collect(CASE WHEN r IS NULL THEN NULL
             ELSE [r.role, person.id, person.name, person.kind] END) AS holders
OPTIONAL MATCH (b:Body)-[:SERVES]->(u)
RETURN start, depth, u.id AS id, u.label AS label, coalesce(u.name, u.address, u.id) AS name,
       holders, collect(CASE WHEN b IS NULL THEN NULL ELSE [b.id, b.kind, b.name] END) AS bodies

// :name path_up
MATCH p = (s:Unit {id: $start})-[:IN*0..6]->(u:Unit)
RETURN length(p) AS depth, u.id AS id, u.label AS label

// :name resident
MATCH (r:Resident {id: $id})
RETURN properties(r) AS props

// :name assignment
MATCH ()-[r:RESPONSIBLE_FOR {id: $id}]->()
RETURN properties(r) AS props

// :name person
MATCH (p:Person {id: $id})
OPTIONAL MATCH (p)-[r:RESPONSIBLE_FOR]->(t:Unit)
WHERE {{active r}}
RETURN properties(p) AS props,
       collect(CASE WHEN r IS NULL THEN NULL ELSE [r.id, r.role, t.id, t.label, r.since, r.until] END)
       AS responsibilities

// :name assigned_places
UNWIND $ids AS id
MATCH (p:Person {id: id})-[r:RESPONSIBLE_FOR]->(t:Unit)
RETURN p.id AS person, t.id AS target

// :name households_covered
MATCH (p:Person {id: $id})-[r:RESPONSIBLE_FOR {role: $grid_member}]->(t:Unit)
WHERE {{active r}}
MATCH (h:Household)-[:IN*0..2]->(t)
RETURN count(DISTINCT h) AS covered

// :name counties
MATCH (c:County)
RETURN c.id AS id

// :name colors_of
UNWIND $ids AS id
MATCH (h:Unit {id: id})
WHERE h.label = 'Household'
RETURN h.id AS id, h.color AS color
