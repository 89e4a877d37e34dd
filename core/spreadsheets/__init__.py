"""One small framework for the spreadsheets people upload and download.

- `columns`: `Column` (header, label, aliases), `Vocabulary` and `parse_choice` (the words a
  cell may hold for a choice), `words_key` (how headers and words are compared).
- `reading`: CSV (UTF-8, CP932, UTF-16) and XLSX, streamed with bounds on bytes, rows and
  columns, into dicts keyed by column (`read_table`, `rows_from_table`).
- `plan`: `ImportPlan` (actions per entry, per-row/per-column `RowError`s, a fingerprint
  that ties the apply to the preview).
- `importer`: `Importer`, what an app implements (read, plan, apply) for the generic pages
  and the background job in `association`.
- `upload`: the upload form and the stash between preview and apply.
- `writing`: CSV and XLSX exports (`csv_bytes`, `xlsx_bytes`, `download`).

Nothing here imports a Renkei app.
"""

from core.spreadsheets.columns import (
    Column,
    Vocabulary,
    columns_by_key,
    nfkc,
    parse_choice,
    words_key,
)
from core.spreadsheets.importer import (
    ApplyOptions,
    Importer,
    ImportRun,
    Progress,
    report_progress,
)
from core.spreadsheets.plan import (
    ACTIONS,
    CHANGING,
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    PlanEntry,
    RowError,
)
from core.spreadsheets.reading import (
    FORMULA_START,
    MAX_COLUMNS,
    MAX_XLSX_UNPACKED_BYTES,
    TableColumn,
    cell_text,
    csv_table,
    decode_csv,
    read_table,
    rows_from_table,
    xlsx_table,
)
from core.spreadsheets.upload import SpreadsheetUploadForm, UploadStash
from core.spreadsheets.writing import CONTENT_TYPES, csv_bytes, download, xlsx_bytes

__all__ = [
    "ACTIONS",
    "CHANGING",
    "CONTENT_TYPES",
    "CREATE",
    "ERROR",
    "FORMULA_START",
    "MAX_COLUMNS",
    "MAX_XLSX_UNPACKED_BYTES",
    "UNCHANGED",
    "UPDATE",
    "ApplyOptions",
    "Column",
    "ImportPlan",
    "ImportRun",
    "Importer",
    "PlanEntry",
    "Progress",
    "RowError",
    "SpreadsheetUploadForm",
    "TableColumn",
    "UploadStash",
    "Vocabulary",
    "cell_text",
    "columns_by_key",
    "csv_bytes",
    "csv_table",
    "decode_csv",
    "download",
    "nfkc",
    "parse_choice",
    "read_table",
    "report_progress",
    "rows_from_table",
    "words_key",
    "xlsx_bytes",
    "xlsx_table",
]
