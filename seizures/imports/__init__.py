"""Historic import: seizure records from files (UNODC IDS extracts or the app's template).

``reader`` turns a file into numbered rows of text cells (CSV in any of the usual
encodings and delimiters, or XLSX) and refuses malformed files with a clear message;
``normalise`` turns a row into a record as it would be stored, or a reason to reject it;
``runner`` writes the records in batches and keeps the run's progress; ``views`` is the
upload page. Nothing here sends a referral: imported seizures are historic (README,
"Historic import").
"""
