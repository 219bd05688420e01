"""What Neo4j's own Cypher linter (lint.mjs) is given: every statement gridchain sends, read by
the project's own loader (so as they are sent, each `{{active r}}` written out as the condition
it stands for), and the graph's schema as the code writes it. Printed as JSON.

The schema comes from the code, not from a list kept by hand, so it cannot drift: the labels
from engine.model, the property keys from the records' fields (engine/backends/neo4j/records.py
stores each field as a property of the same name, plus `label`), and the relationship types from
the statements that write them. The linter then warns about any label, type or property a
statement reads that nothing writes."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from engine.backends.neo4j.statements import sections, statement
from engine.model import ALL_LABELS, HISTORY_KINDS, RECORD_TYPES

CYPHER = Path(__file__).resolve().parents[2] / "cypher"

# FalkorDB's schema statements (plain indexes, no constraints, no IF NOT EXISTS) are sent only
# to the Bolt test server, which is FalkorDB, never to Neo4j: Neo4j gets schema_neo4j instead
# (engine/backends/neo4j/dialect.py picks one), so Neo4j's linter has no say over them.
NOT_FOR_NEO4J = {"schema_falkordb"}

# Every unit also carries :Unit and every body :Body (cypher/store.cypher); history records are
# labelled with their record's name; a dispatch calls a (:Department) (cypher/issues.cypher).
SHARED_LABELS = ("Unit", "Body")
DEPARTMENT = "Department"
# The property a stored record's kind is kept in (engine/backends/neo4j/records.py props_of).
LABEL_PROPERTY = "label"

# A relationship written by a statement: `MERGE (a)-[:TYPE]->(b)` or `CREATE …-[r:TYPE {…}]->…`.
WRITE_CLAUSE = re.compile(r"\b(?:MERGE|CREATE)\b[^\n]*")
RELATIONSHIP_TYPE = re.compile(r"\[\w*:(\w+)")


def statement_files() -> list[str]:
    """The loader's names of every statement file (`gaps`, `browser/gaps`), Neo4j's only."""
    paths = CYPHER.rglob("*.cypher")
    found = (path.relative_to(CYPHER).with_suffix("").as_posix() for path in paths)
    return sorted(file for file in found if file not in NOT_FOR_NEO4J)


def statements() -> list[dict[str, str]]:
    return [
        {"file": f"cypher/{file}.cypher", "name": name, "text": statement(file, name)}
        for file in statement_files()
        for name in sections(file)
    ]


def labels() -> list[str]:
    history = (RECORD_TYPES[kind].__name__ for kind in HISTORY_KINDS)
    return sorted({*ALL_LABELS, *SHARED_LABELS, *history, DEPARTMENT})


def property_keys() -> list[str]:
    names = {f.name for record in RECORD_TYPES.values() for f in fields(record)}
    return sorted({*names - {"extra"}, LABEL_PROPERTY})


def relationship_types(texts: list[str]) -> list[str]:
    return sorted(
        {
            kind
            for text in texts
            for clause in WRITE_CLAUSE.findall(text)
            for kind in RELATIONSHIP_TYPE.findall(clause)
        }
    )


def lint_input() -> dict[str, Any]:
    found = statements()
    schema = {
        "labels": labels(),
        "relationshipTypes": relationship_types([s["text"] for s in found]),
        "propertyKeys": property_keys(),
    }
    return {"schema": schema, "statements": found}


if __name__ == "__main__":
    json.dump(lint_input(), sys.stdout, ensure_ascii=False, indent=1)
