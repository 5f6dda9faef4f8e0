"""`unionwatch explain`: why a stored document was or was not flagged, and how related it is."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_db, fail

if TYPE_CHECKING:
    from transforms.related import RelatednessModel
    from warehouse.queries import StoredDocument


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `explain` subcommand."""
    parser = commands.add_parser(
        "explain", help="show why a document was or was not flagged, why it is related or not, and its story",
        description="Run the topic rules on a stored document's title and body and say which phrase or "
                    "proximity rule matched where, or why nothing did; then score its relatedness and show the "
                    "passages that carried the score and the closest labelled examples "
                    "(transforms/related_examples.toml); then show the story it belongs to and why it joined "
                    "(similarity to the document it copies, phrases shared with the story's first document). "
                    "REF is a document id (source:key, as in the documents view) or its URL.")
    parser.add_argument("ref", metavar="URL-or-ID")
    parser.add_argument("--rules", metavar="TOML", help="topic rules file (default: the bundled topics.toml)")
    parser.add_argument("--examples", metavar="TOML",
                        help="labelled examples file (default: the bundled related_examples.toml)")
    add_db(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the stored flag and relatedness, and a fresh explanation of each."""
    from records.urls import canonical_url
    from transforms.classify import explain, load_rules, rules_fingerprint
    from transforms.related import load_model
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
    _explain_related(document, load_model(Path(args.examples) if args.examples else None))
    for line in story_lines(args.db, document.document_id, document.body):
        print(line)
    return EXIT_OK


def _explain_related(document: StoredDocument, model: RelatednessModel) -> None:
    """Print the stored relatedness and why the model scores the document as it does."""
    if document.related_score is None:
        stored = "none (not scored yet: run `unionwatch reparse`)"
    else:
        stored = f"{document.related_score:.2f}"
    print(f"stored related: {'yes' if document.related else 'no'}"
          f"{' (flagged documents are always related)' if document.topics else ''}; stored score {stored}")
    if document.examples_fingerprint and document.examples_fingerprint != model.fingerprint:
        print("note: the stored score was made with other examples; run `unionwatch reparse` to refresh it")
    for line in model.explain(document.title, document.body):
        print(line)
