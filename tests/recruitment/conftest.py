import pytest


@pytest.fixture(autouse=True)
def _english(settings: pytest.FixtureRequest) -> None:
    """These tests match the pages' English wording; Japanese is covered by the browser tests."""
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
