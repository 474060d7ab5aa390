"""The attribution report as one PostgreSQL query, read through COPY.

rows.attribution_rows builds the rows in Python batch by batch on any database; on PostgreSQL it
uses this query instead, which gives the same rows with the same Python types (tests/reports
compare the two). Read with `COPY (query) TO STDOUT (FORMAT binary)`, the server keeps producing
rows while this process turns the previous ones into CSV, so the two cores work at once, and the
client holds only psycopg's copy buffer whatever the size of the export. bench/report_export.py
times the same statement as plain CSV COPY.

The rules are those of rows.py, written again in SQL:
- grade and root: own grade or the nearest graded ancestor's, walking at most MAX_PARENT_DEPTH
  sources up the parent line and stopping at a loop (SourceGrades.resolve);
- figures: Figure.describe plus the partial date, in figure order; metrics: distinct keys in the
  order they first appear;
- independent origins: distinct roots of the chains' last links; open flags: distinct codes of
  open flags naming the claim on either side, sorted by code point (COLLATE "C", as Python sorts);
- a claim without links gets one row with empty link columns and 0 independent origins.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from claims.reports.rows import ReportFilters, Row, SourceGrades

# PostgreSQL types of the report columns, in rows.COLUMNS order, for reading binary COPY.
COLUMN_TYPES: tuple[str, ...] = (
    "text", "text", "text", "text", "text",  # claim_key, claim_text, status, figures, metrics
    "int4", "int4",  # chain, link_position
    "text", "text", "text", "text", "text", "bool",  # source_key .. grade, grade_inherited
    "text", "text", "text", "text",  # verb, date, document_title, document_url
    "text", "text", "int4", "text",  # origin, origin_grade, independent_origins, open_flags
)


def _number(column: str) -> str:
    """rows.describe_figure's number: '?' when missing, thousands separators on whole numbers,
    trailing zeros dropped otherwise (Decimal.normalize then format ',f' or 'f')."""
    return (f"CASE WHEN {column} IS NULL THEN '?' "
            f"WHEN {column} = trunc({column}) "
            rf"THEN regexp_replace(trunc({column})::text, '(\d)(?=(\d{{3}})+$)', '\1,', 'g') "
            f"ELSE trim_scale({column})::text END")


def _partial_date(column: str, precision: str) -> str:
    """sources.dates.format_partial_date: NULL stays NULL."""
    return (f"CASE {precision} WHEN 'year' THEN to_char({column}, 'YYYY') "
            f"WHEN 'month' THEN to_char({column}, 'YYYY-MM') ELSE to_char({column}, 'YYYY-MM-DD') END")


_FIGURE_WORDS = (
    "CASE f.qualifier WHEN 'range' THEN " + _number("f.lower") + " || '-' || " + _number("f.upper")
    + " WHEN 'exact' THEN " + _number("f.value")
    + " ELSE replace(f.qualifier, '_', ' ') || ' ' || " + _number("f.value") + " END"
    + " || COALESCE(' (' || " + _partial_date("f.as_of", "f.as_of_precision") + " || ')', '')"
)

# Only this module's constant fragments are formatted in; values are bound as parameters.
REPORT_SQL = f"""
SELECT c.key::text, c.text::text, c.status::text, COALESCE(fi.words, ''), COALESCE(fi.metrics, ''),
       l.chain::int4, l.position::int4, s.key::text, s.name::text, s.kind::text, s.country::text,
       CASE WHEN l.chain IS NOT NULL THEN COALESCE(g.names[g.grade[l.source_id]], '') END::text,
       CASE WHEN g.grade[l.source_id] > 0 THEN g.inherited[l.source_id] END,
       l.verb::text, {_partial_date("l.date", "l.date_precision")}, d.title::text, d.url::text,
       os.name::text, CASE WHEN l.chain IS NOT NULL THEN COALESCE(g.names[g.grade[l.origin_id]], '') END::text,
       COALESCE(ind.n, 0)::int4, COALESCE(fl.codes, '')
FROM claims_claim c
CROSS JOIN (SELECT %s::int4[] AS grade, %s::bool[] AS inherited, %s::int4[] AS root, %s::text[] AS names) g
LEFT JOIN LATERAL (
    SELECT string_agg(words, '; ' ORDER BY position) AS words,
           string_agg(key, '; ' ORDER BY position) FILTER (WHERE first_use) AS metrics
    FROM (SELECT f.position, {_FIGURE_WORDS} AS words, m.key,
                 row_number() OVER (PARTITION BY m.key ORDER BY f.position) = 1 AS first_use
          FROM claims_figure f JOIN claims_metric m ON m.id = f.metric_id
          WHERE f.claim_id = c.id) figs
) fi ON TRUE
LEFT JOIN LATERAL (
    SELECT string_agg(code, '; ' ORDER BY code COLLATE "C") AS codes
    FROM (SELECT code FROM claims_flag WHERE claim_a_id = c.id AND status = 'open'
          UNION
          SELECT code FROM claims_flag WHERE claim_b_id = c.id AND status = 'open') named
) fl ON TRUE
LEFT JOIN LATERAL (
    SELECT count(DISTINCT g.root[o.source_id]) AS n
    FROM (SELECT DISTINCT ON (a.id) l.source_id
          FROM claims_attribution a JOIN claims_attributionlink l ON l.attribution_id = a.id
          WHERE a.claim_id = c.id ORDER BY a.id, l.position DESC) o
) ind ON TRUE
LEFT JOIN LATERAL (
    SELECT a.position AS chain, l.position, l.source_id, l.document_id, l.verb, l.date, l.date_precision,
           last_value(l.source_id) OVER (PARTITION BY a.id ORDER BY l.position
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS origin_id
    FROM claims_attribution a JOIN claims_attributionlink l ON l.attribution_id = a.id
    WHERE a.claim_id = c.id
) l ON TRUE
LEFT JOIN sources_source s ON s.id = l.source_id
LEFT JOIN sources_source os ON os.id = l.origin_id
LEFT JOIN sources_document d ON d.id = l.document_id
WHERE c.id IN ({{claims}})
ORDER BY c.id, l.chain, l.position
"""  # noqa: S608


def report_query(filters: ReportFilters | None = None) -> tuple[str, tuple]:
    """The report's SELECT and its parameters (psycopg placeholders) for the claims the filters
    choose: the claims subquery is the ORM's own, so filtering has one definition. The sources'
    grades and roots come from SourceGrades (one query over the sources, which are few) as arrays
    indexed by source id, so that each link's lookup is an array subscript in the query."""
    claims = (filters or ReportFilters()).claims().order_by().values("id")
    claims_sql, claims_params = claims.query.sql_with_params()
    grades = SourceGrades.load()
    size = max(grades.names, default=0)
    names = sorted({grade for grade, _, _ in map(grades.resolve, grades.names) if grade})
    code = {grade: n for n, grade in enumerate(names, start=1)}
    grade, inherited, root = [0] * size, [False] * size, [0] * size
    for source_id in grades.names:
        own, from_parent, top = grades.resolve(source_id)
        grade[source_id - 1], inherited[source_id - 1], root[source_id - 1] = code.get(own, 0), from_parent, top
    return REPORT_SQL.replace("{claims}", claims_sql), (grade, inherited, root, names, *claims_params)


def sql_rows(filters: ReportFilters | None = None) -> Iterator[Row]:
    """The report rows from PostgreSQL, streamed by binary COPY. The connection is busy until the
    rows are read to the end or the generator is closed: no other query may run in between."""
    query, params = report_query(filters)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)", params) as copy:
            copy.set_types(list(COLUMN_TYPES))
            yield from copy.rows()
