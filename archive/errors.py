"""The ArchiveError family: every error Docket reports to a user, with its HTTP status."""


class ArchiveError(Exception):
    """Base of every error Docket reports; `status` is the HTTP status a page gets."""

    status = 500


class IndexMissingError(ArchiveError):
    """Raised when the catalog or the search index has not been built yet."""

    status = 503


class DocumentNotFoundError(ArchiveError):
    """Raised when no document has the given id or path."""

    status = 404


class DocumentGoneError(ArchiveError):
    """Raised when a document was in the archive but has left the collection."""

    status = 410

    def __init__(self, message: str, document=None, versions=None):
        super().__init__(message)
        self.document = document
        self.versions = versions  # its archive.versions.VersionChain, when known


class BadQueryError(ArchiveError):
    """Raised when a search query cannot be parsed or is refused."""

    status = 400


class IndexBusyError(ArchiveError):
    """Raised when another process (an indexing run) is writing the search index."""

    status = 503


class CollectionMismatchError(ArchiveError):
    """Raised when a var/ folder already holds the catalog of another collection."""

    status = 409


class EngineMismatchError(ArchiveError):
    """Raised when a setting asks for another search engine than the archive's index uses."""

    status = 409


class QueryTimeoutError(BadQueryError):
    """Raised when a query is still working out its words at the search deadline."""


class SearchBusyError(BadQueryError):
    """Raised when a broad search (prefixes, fuzzy words, wide proximity) finds the broad
    searches' slots of this server taken for longer than it may wait."""

    status = 429
    retry_after = 2
