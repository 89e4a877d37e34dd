import pytest


@pytest.fixture(autouse=True)
def _english_for_registration_services(request: pytest.FixtureRequest) -> None:
    """The registration tests match the services' English wording; the pages' Japanese is
    covered by the browser tests."""
    if request.module.__name__.split(".")[-1].startswith("test_registration"):
        request.getfixturevalue("settings").LANGUAGE_CODE = "en"
