// Records by name (a household by its address): at most $limit of each kind, the exact names
// first (engine/finding.py orders them all).

// :name named
MATCH (n:Unit)
WHERE coalesce(n.name, n.address, '') CONTAINS $text
RETURN n.id AS id, n.label AS label, coalesce(n.name, n.address) AS name
ORDER BY name <> $text, id
LIMIT $limit
UNION ALL
MATCH (n:Person)
WHERE n.name CONTAINS $text
RETURN n.id AS id, 'Person' AS label, n.name AS name
ORDER BY name <> $text, id
LIMIT $limit
UNION ALL
MATCH (n:Resident)
WHERE n.name CONTAINS $text
RETURN n.id AS id, 'Resident' AS label, n.name AS name
ORDER BY name <> $text, id
LIMIT $limit

// :name households_under
MATCH (h:Household)-[:IN*0..5]->(:Unit {id: $place})
RETURN DISTINCT h.id AS id

// :name names_of
UNWIND $ids AS id
MATCH (n:Unit {id: id})
RETURN n.id AS id, coalesce(n.name, n.address, n.id) AS name
UNION ALL
UNWIND $ids AS id
MATCH (n:Person {id: id})
RETURN n.id AS id, n.name AS name
