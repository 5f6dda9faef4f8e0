"""`unionwatch explain`: why a stored document was or was not flagged."""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_db, fail


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `explain` subcommand."""
    parser = commands.add_parser(
        "explain", help="show why a document was or was not flagged, and its story",
        description="Run the topic rules on a stored document's title and body and say which phrase or "
                    "proximity rule matched where, or why nothing did; then show the story it belongs to and "
                    "why it joined (similarity to the document it copies, phrases shared with the story's first "
                    "document). REF is a document id (source:key, as in the documents view) or its URL.")
    parser.add_argument("ref", metavar="URL-or-ID")
    parser.add_argument("--rules", metavar="TOML", help="topic rules file (default: the bundled topics.toml)")
    add_db(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the stored flag and a fresh explanation."""
    from transforms.classify import explain, load_rules, rules_fingerprint
    from transforms.urls import canonical_url
    from warehouse.queries import find_document
    from warehouse.stories import story_lines

    document = find_document(args.db, args.ref) or find_document(args.db, canonical_url(args.ref))
    if document is None:
        return fail(f"no document {args.ref!r} in {args.db} (use its id from the documents view, or its URL)",
                    EXIT_USAGE)
    rules = load_rules(Path(args.rules) if args.rules else None)
    print(f"{document.document_id}\n  {document.title}\n  {document.url}")
    if document.topics:
        print(f"stored flag: {', '.join(document.topics)}; matched {', '.join(document.matched_terms or [])}")
    else:
        print("stored flag: none")
    if document.rules_fingerprint and document.rules_fingerprint != rules_fingerprint(rules):
        print("note: the stored flag was made with other rules; run `unionwatch reparse` to refresh it")
    for line in explain(document.title, document.body, rules):
        print(line)
    for line in story_lines(args.db, document.document_id, document.body):
        print(line)
    return EXIT_OK
