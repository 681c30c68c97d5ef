"""Full-text indexes of the directory, one kind per database engine.

SQLite: FTS5 tables over the search documents (external content, kept in sync by triggers), with
unicode61 remove_diacritics 2 and prefix indexes; a trigram FTS5 table over service documents for
substring matches (Dutch compound words).
PostgreSQL: the unaccent and pg_trgm extensions (the database user needs the right to create
them, see docs/operations.md), a GIN index on to_tsvector('simple', unaccent(body)) and a trigram
GIN index on the service documents.
Documents are already normalised by Python, so both engines index the same tokens.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE directory_service_fts USING fts5(
        body, content='directory_servicedocument', content_rowid='service_id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE VIRTUAL TABLE directory_service_trigram USING fts5(
        body, content='directory_servicedocument', content_rowid='service_id',
        tokenize='trigram', detail='none')""",
    """CREATE TRIGGER directory_servicedocument_ai AFTER INSERT ON directory_servicedocument BEGIN
        INSERT INTO directory_service_fts(rowid, body) VALUES (new.service_id, new.body);
        INSERT INTO directory_service_trigram(rowid, body) VALUES (new.service_id, new.body);
    END""",
    """CREATE TRIGGER directory_servicedocument_ad AFTER DELETE ON directory_servicedocument BEGIN
        INSERT INTO directory_service_fts(directory_service_fts, rowid, body)
            VALUES ('delete', old.service_id, old.body);
        INSERT INTO directory_service_trigram(directory_service_trigram, rowid, body)
            VALUES ('delete', old.service_id, old.body);
    END""",
    """CREATE TRIGGER directory_servicedocument_au AFTER UPDATE ON directory_servicedocument BEGIN
        INSERT INTO directory_service_fts(directory_service_fts, rowid, body)
            VALUES ('delete', old.service_id, old.body);
        INSERT INTO directory_service_trigram(directory_service_trigram, rowid, body)
            VALUES ('delete', old.service_id, old.body);
        INSERT INTO directory_service_fts(rowid, body) VALUES (new.service_id, new.body);
        INSERT INTO directory_service_trigram(rowid, body) VALUES (new.service_id, new.body);
    END""",
    """CREATE VIRTUAL TABLE directory_professional_fts USING fts5(
        body, content='directory_professionaldocument', content_rowid='professional_id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER directory_professionaldocument_ai AFTER INSERT ON directory_professionaldocument
    BEGIN
        INSERT INTO directory_professional_fts(rowid, body) VALUES (new.professional_id, new.body);
    END""",
    """CREATE TRIGGER directory_professionaldocument_ad AFTER DELETE ON directory_professionaldocument
    BEGIN
        INSERT INTO directory_professional_fts(directory_professional_fts, rowid, body)
            VALUES ('delete', old.professional_id, old.body);
    END""",
    """CREATE TRIGGER directory_professionaldocument_au AFTER UPDATE ON directory_professionaldocument
    BEGIN
        INSERT INTO directory_professional_fts(directory_professional_fts, rowid, body)
            VALUES ('delete', old.professional_id, old.body);
        INSERT INTO directory_professional_fts(rowid, body) VALUES (new.professional_id, new.body);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS directory_servicedocument_ai",
    "DROP TRIGGER IF EXISTS directory_servicedocument_ad",
    "DROP TRIGGER IF EXISTS directory_servicedocument_au",
    "DROP TRIGGER IF EXISTS directory_professionaldocument_ai",
    "DROP TRIGGER IF EXISTS directory_professionaldocument_ad",
    "DROP TRIGGER IF EXISTS directory_professionaldocument_au",
    "DROP TABLE IF EXISTS directory_service_fts",
    "DROP TABLE IF EXISTS directory_service_trigram",
    "DROP TABLE IF EXISTS directory_professional_fts",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # unaccent() is only STABLE; an index expression needs an IMMUTABLE wrapper.
    """CREATE OR REPLACE FUNCTION parcours_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$""",
    """CREATE INDEX directory_servicedocument_tsv ON directory_servicedocument
        USING gin (to_tsvector('simple'::regconfig, parcours_unaccent(body)))""",
    """CREATE INDEX directory_servicedocument_trgm ON directory_servicedocument
        USING gin (body gin_trgm_ops)""",
    """CREATE INDEX directory_professionaldocument_tsv ON directory_professionaldocument
        USING gin (to_tsvector('simple'::regconfig, parcours_unaccent(body)))""",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_servicedocument_tsv",
    "DROP INDEX IF EXISTS directory_servicedocument_trgm",
    "DROP INDEX IF EXISTS directory_professionaldocument_tsv",
    "DROP FUNCTION IF EXISTS parcours_unaccent(text)",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_directory_details")]

    operations = [migrations.RunPython(forward, backward)]
