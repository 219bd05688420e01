// The append-only history of changes (engine/history.py): one (:Change) node per change of a
// record, found by the record's id. Nodes are only ever merged on their own id, never changed.

// :name merge_change
UNWIND $rows AS row
MERGE (c:Change {id: row.id})
SET c = row.props

// :name history
MATCH (c:Change {record: $id})
WHERE $since IS NULL OR c.at >= $since
RETURN properties(c) AS props
ORDER BY c.at DESC, c.n DESC
