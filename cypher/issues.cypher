// The issue loop (SPEC §3 Issue) and five-colour marks. Each step is one statement, so an
// issue's new status never lands without the event that explains it: (:IssueEvent)-[:OF]->
// (:Issue), and for a dispatch (:Issue)-[:DISPATCHED_TO]->(:Department). Colour changes are
// (:ColorChange)-[:OF]->(:Household). Dates and times are ISO strings. Every change of a record
// is also a (:Change {record}) node of the append-only history (engine/history.py), written in
// the same statement as the change itself.

// :name issue
MATCH (i:Issue {id: $id})
OPTIONAL MATCH (e:IssueEvent)-[:OF]->(i)
RETURN properties(i) AS props,
       collect(CASE WHEN e IS NULL THEN NULL ELSE properties(e) END) AS events

// :name issues
// The issues a list asks for (engine/semantics.py IssueFilter), chosen here: by $statuses, and
// when not null by the unit $scope their subject lies under (or is), the $color of their
// subject household and who $reported_by them.
MATCH (i:Issue)
WHERE i.status IN $statuses AND ($reported_by IS NULL OR i.reported_by = $reported_by)
  AND ($scope IS NULL OR (i)-[:ABOUT]->(:Unit)-[:IN*0..6]->(:Unit {id: $scope}))
OPTIONAL MATCH (i)-[:ABOUT]->(h:Household)
WITH i, h.color AS color
WHERE $color IS NULL OR color = $color
OPTIONAL MATCH (e:IssueEvent)-[:OF]->(i)
RETURN properties(i) AS props, color,
       collect(CASE WHEN e IS NULL THEN NULL ELSE properties(e) END) AS events

// :name record_transition
// Compare and set: the first SET takes the issue's write lock, then the step applies only if
// the issue still has the $seen events it was judged by; no row written means it moved on.
MATCH (i:Issue {id: $id})
SET i.status = i.status
WITH i
OPTIONAL MATCH (old:IssueEvent)-[:OF]->(i)
WITH i, count(old) AS stored
WHERE stored = $seen
SET i = $props
WITH i
FOREACH (change IN $changes |
  MERGE (c:Change {id: change.id})
  SET c = change.props)
WITH i
UNWIND $events AS row
MERGE (e:IssueEvent {id: row.id})
SET e = row.props
MERGE (e)-[:OF]->(i)
FOREACH (name IN row.called |
  MERGE (d:Department {id: name})
  SET d.name = name
  MERGE (i)-[:DISPATCHED_TO]->(d))
RETURN count(e) AS written

// :name merge_issue_event
UNWIND $rows AS row
MATCH (i:Issue {id: row.props.issue_id})
MERGE (e:IssueEvent {id: row.id})
SET e = row.props
MERGE (e)-[:OF]->(i)
FOREACH (name IN row.called |
  MERGE (d:Department {id: name})
  SET d.name = name
  MERGE (i)-[:DISPATCHED_TO]->(d))

// :name record_color
// A mark's seq is its place in the household's history: marks of one second keep their order.
MATCH (h:Unit {id: $household})
WHERE h.label = 'Household'
SET h.color = $color
WITH h
OPTIONAL MATCH (earlier:ColorChange)-[:OF]->(h)
WITH h, coalesce(max(earlier.seq), 0) AS last
MERGE (c:ColorChange {id: $id})
SET c = $props, c.seq = last + 1
MERGE (c)-[:OF]->(h)
WITH h
FOREACH (change IN $changes |
  MERGE (x:Change {id: change.id})
  SET x = change.props)
RETURN h.id AS id

// :name merge_color_change
// A mark copied from another store keeps its seq; a new one follows the household's last.
UNWIND $rows AS row
MATCH (h:Unit {id: row.props.household_id})
WHERE h.label = 'Household'
OPTIONAL MATCH (earlier:ColorChange)-[:OF]->(h)
WITH row, h, coalesce(max(earlier.seq), 0) AS last
MERGE (c:ColorChange {id: row.id})
SET c = row.props, c.seq = coalesce(row.props.seq, last + 1)
MERGE (c)-[:OF]->(h)

// :name color_history
MATCH (h:Unit {id: $id})
WHERE h.label = 'Household'
OPTIONAL MATCH (c:ColorChange)-[:OF]->(h)
RETURN h.color AS color,
       collect(CASE WHEN c IS NULL THEN NULL ELSE properties(c) END) AS changes
