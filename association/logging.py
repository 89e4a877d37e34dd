import logging


class RequestContextFilter(logging.Filter):
    """Lets every record carry the same keys, so JSON lines are uniform."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "association"):
            record.association = None
        return True
