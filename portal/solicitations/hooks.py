"""Connects solicitations to the items that answer them."""
from ..items.services import WorkflowError
from ..items.signals import item_fields_checking
from .services import SolicitationError, check_answer_link


def init_app(app) -> None:
    item_fields_checking.connect(_check_answer_link)


def _check_answer_link(fields, unit_id: int, item) -> None:
    if fields.solicitation_id is None:
        return
    try:
        check_answer_link(unit_id, fields.solicitation_id, item.solicitation_id if item else None)
    except SolicitationError as error:
        raise WorkflowError(str(error), "solicitation_id") from None
