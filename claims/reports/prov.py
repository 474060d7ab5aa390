"""Attribution chains as W3C PROV-O, in JSON-LD.

Each link of a chain is a statement (prov:Entity) attributed to its source (prov:Agent). A link
was quoted from the next link down the chain (prov:wasQuotedFrom) and has the origin's statement
as its primary source (prov:hadPrimarySource); the claim itself derives from the outermost links.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings

from claims.models import AttributionLink, Claim
from claims.reports.rows import ReportFilters, claims_with_chains
from sources.models import Document, Source

PROV_CONTEXT = {
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "http://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def iri(kind: str, key: str) -> str:
    """A stable identifier under the organisation's URL: records keep their keys across exports."""
    return f"{settings.FACTCHECK_ORG_URL.rstrip('/')}/id/{kind}/{key}"


def _ref(value: str) -> dict:
    return {"@id": value}


def source_node(source: Source) -> dict:
    node = {"@id": iri("source", source.key), "@type": "prov:Agent", "rdfs:label": source.name,
            "schema:additionalType": source.kind}
    if source.parent_id is not None:
        node["prov:actedOnBehalfOf"] = _ref(iri("source", source.parent.key))
    return node


def document_node(document: Document) -> dict:
    node: dict = {"@id": iri("document", document.key), "@type": "prov:Entity", "rdfs:label": document.title}
    if document.url:
        node["schema:url"] = _ref(document.url)
    if document.published_display:
        node["dcterms:issued"] = document.published_display
    if document.publisher is not None:
        node["prov:wasAttributedTo"] = _ref(iri("source", document.publisher.key))
    return node


def _statement_iri(claim: Claim, chain: int, position: int) -> str:
    return f"{iri('claim', claim.key)}/chain/{chain}/link/{position}"


def claim_nodes(claim: Claim, chains: list[list[AttributionLink]]) -> list[dict]:
    """The claim's own node and one node per link (sources and documents are emitted apart)."""
    nodes: list[dict] = []
    claim_node: dict = {"@id": iri("claim", claim.key), "@type": "prov:Entity", "prov:value": claim.text,
                        "prov:wasDerivedFrom": [], "prov:hadPrimarySource": []}
    for chain_index, chain in enumerate(chains):
        if not chain:
            continue
        ids = [_statement_iri(claim, chain_index, link.position) for link in chain]
        for index, link in enumerate(chain):
            node: dict = {"@id": ids[index], "@type": "prov:Entity",
                          "prov:wasAttributedTo": _ref(iri("source", link.source.key))}
            if link.verb:
                node["rdfs:comment"] = link.verb
            if link.quote:
                node["prov:value"] = link.quote
            if link.date_display:
                node["dcterms:date"] = link.date_display
            if link.document is not None:
                node["dcterms:isPartOf"] = _ref(iri("document", link.document.key))
            if index + 1 < len(chain):
                node["prov:wasQuotedFrom"] = _ref(ids[index + 1])
                node["prov:hadPrimarySource"] = _ref(ids[-1])
            nodes.append(node)
        claim_node["prov:wasDerivedFrom"].append(_ref(ids[0]))
        claim_node["prov:hadPrimarySource"].append(_ref(ids[-1]))
    return [claim_node, *nodes]


def prov_stream(filters: ReportFilters | None = None) -> Iterator[bytes]:
    """One JSON-LD document with an @graph, written claim by claim. Sources and documents are
    written once each; only their ids are remembered, never the rows."""
    yield (f'{{"@context": {json.dumps(PROV_CONTEXT)},\n"@graph": [').encode()
    seen: set[str] = set()
    first = True

    def emit(node: dict) -> bytes:
        nonlocal first
        text = ("\n" if first else ",\n") + json.dumps(node, ensure_ascii=False)
        first = False
        return text.encode()

    for claim in claims_with_chains((filters or ReportFilters()).claims()):
        chains = [list(attribution.links.all()) for attribution in claim.attributions.all()]
        for chain in chains:
            for link in chain:
                for node in _new_agent_nodes(link, seen):
                    yield emit(node)
        for node in claim_nodes(claim, chains):
            yield emit(node)
    yield b"\n]}\n"



def _new_agent_nodes(link: AttributionLink, seen: set[str]) -> Iterator[dict]:
    """Nodes for the link's source, its document and their parent lines not written yet. A parent
    line is walked only for a source met for the first time, so each costs its queries once."""
    speakers = [link.source]
    if link.document is not None and link.document.publisher is not None:
        speakers.append(link.document.publisher)
    for speaker in speakers:
        if iri("source", speaker.key) in seen:
            continue
        for source in speaker.parent_line():
            node = source_node(source)
            if node["@id"] not in seen:
                seen.add(node["@id"])
                yield node
    if link.document is not None:
        node = document_node(link.document)
        if node["@id"] not in seen:
            seen.add(node["@id"])
            yield node
