"""Domain errors: raised by services, mapped once to 409 in the API and to messages on screens."""


class DomainError(Exception):
    """A business rule refuses the action (answered with 409)."""

    code = "conflict"

    def __init__(self, detail: str, *, errors: list[dict] | None = None, code: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        if code:
            self.code = code


class InvalidInput(Exception):
    """Input that fails validation in a service (answered with 400, field-level errors)."""

    def __init__(self, errors: list[dict], detail: str = "The request is invalid.") -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
