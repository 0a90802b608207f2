"""The full-text engine over search_document: FTS5 in SQLite, a weighted tsvector in PostgreSQL.

Triggers keep the engine in step with every insert, update and delete of search_document, so the
Django side only ever writes rows."""

from typing import Any

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title_seg, tags_seg, body_seg,
        content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO search_fts(rowid, title_seg, tags_seg, body_seg)
        VALUES (new.id, new.title_seg, new.tags_seg, new.body_seg); END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_seg, tags_seg, body_seg)
        VALUES ('delete', old.id, old.title_seg, old.tags_seg, old.body_seg); END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_seg, tags_seg, body_seg)
        VALUES ('delete', old.id, old.title_seg, old.tags_seg, old.body_seg);
        INSERT INTO search_fts(rowid, title_seg, tags_seg, body_seg)
        VALUES (new.id, new.title_seg, new.tags_seg, new.body_seg); END""",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_UP = [
    "ALTER TABLE search_document ADD COLUMN tsv tsvector",
    """CREATE FUNCTION search_document_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tsv := setweight(to_tsvector('simple', coalesce(NEW.title_seg, '')), 'A')
                || setweight(to_tsvector('simple', coalesce(NEW.tags_seg, '')), 'B')
                || setweight(to_tsvector('simple', coalesce(NEW.body_seg, '')), 'C');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_document_tsv BEFORE INSERT OR UPDATE OF title_seg, tags_seg, body_seg
        ON search_document FOR EACH ROW EXECUTE FUNCTION search_document_tsv()""",
    "UPDATE search_document SET title_seg = title_seg",
    "CREATE INDEX search_document_tsv_gin ON search_document USING gin (tsv)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    "DROP TRIGGER IF EXISTS search_document_tsv ON search_document",
    "DROP FUNCTION IF EXISTS search_document_tsv()",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
