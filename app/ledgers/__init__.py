"""Excel ledgers (台账): definitions in reports/*.json, rows from the domain that registered them, streamed
so a 100k-row export keeps memory flat.

    from app import ledgers
    ledgers.register_source(ledgers.LedgerSource(...))   # in a domain's init_app
    ledger = ledgers.definitions.get("<name>")
    out, count = ledgers.export.write(ledger, rows, meta)
"""

from app.ledgers import definitions
from app.ledgers.sources import Extract, LedgerSource, exportable, register_source, source_of, sources

__all__ = ["Extract", "LedgerSource", "definitions", "exportable", "register_source", "source_of", "sources"]
