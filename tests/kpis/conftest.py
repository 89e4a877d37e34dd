import pytest


@pytest.fixture(autouse=True)
def _english_for_filing_pages(request: pytest.FixtureRequest) -> None:
    """The filing tests read the pages' English wording; Japanese is covered elsewhere."""
    if request.module.__name__.split(".")[-1].startswith("test_filing"):
        settings = request.getfixturevalue("settings")
        settings.LANGUAGE_CODE = "en"
