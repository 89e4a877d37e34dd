from django import forms
from django.core.exceptions import ValidationError

# The upload form and stash live with the spreadsheet framework; these names stay importable.
from core.spreadsheets.upload import (  # noqa: F401
    ALLOWED_EXTENSIONS,
    MAX_UPLOAD_BYTES,
    UPLOAD_TIMEOUT_SECONDS,
    SpreadsheetUploadForm,
    UploadStash,
)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where it names one the form has."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
