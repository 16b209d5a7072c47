"""Errors raised by the data layer: each names the file or setting and the problem."""


class DataError(ValueError):
    """Bad input data or a bad data request (missing/corrupt file, wrong layout, ...)."""
