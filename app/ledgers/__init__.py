"""Excel ledgers (台账): definitions in reports/*.json, rows from the domain queries, streamed with openpyxl's
write-only workbook so a 100k-row export keeps memory flat.

    from app.ledgers import definitions, export
    ledger = definitions.get("hazard_ledger")
    path = export.write(ledger, rows, meta)      # a temporary .xlsx file
"""
