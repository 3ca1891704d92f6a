import pytest
from django.db import transaction

from core import events


@pytest.mark.django_db(transaction=True)
def test_subscribers_hear_an_event_only_after_commit():
    heard = []
    handler = events.subscriber("test.thing.happened")(lambda event, payload: heard.append((event, payload)))
    try:
        with transaction.atomic():
            events.emit("test.thing.happened", thing_id=7)
            assert heard == []
        assert heard == [("test.thing.happened", {"thing_id": 7})]
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit("test.thing.happened", thing_id=8)
            raise RuntimeError("rolled back")
        assert len(heard) == 1
    finally:
        events._subscribers["test.thing.happened"].remove(handler)
