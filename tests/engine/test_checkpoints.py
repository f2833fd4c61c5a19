"""Named positions (the cursors table), on both databases: two runs putting the same new one at once."""

from __future__ import annotations

import threading

from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.store import Store


def test_a_new_position_put_by_two_runs_at_once_is_one_row_with_the_later_value(
    store: Store, integration_id: int
) -> None:
    # The scheduler's scan and a manual scan both find no "scan:rackbeat" yet and both set it: before,
    # each inserted and the second commit failed on the unique name (the scan job then failed).
    first = store.new_session()
    errors: list[BaseException] = []
    try:
        assert Checkpoints(first, integration_id).get("scan:rackbeat") is None
        Checkpoints(first, integration_id).put("scan:rackbeat", {"since": "first"})

        def second_run() -> None:
            try:
                with store.session() as session:
                    Checkpoints(session, integration_id).put("scan:rackbeat", {"since": "second"})
            except BaseException as exc:  # reported below: the assertion names it
                errors.append(exc)

        other = threading.Thread(target=second_run)
        other.start()
        other.join(0.5)  # it waits for the first run's transaction (or, before, committed at once)
        first.commit()
        other.join(30)
        assert not other.is_alive()
    finally:
        first.close()

    assert errors == []
    with store.session() as session:
        assert Checkpoints(session, integration_id).get("scan:rackbeat") == {"since": "second"}


def test_put_then_get_in_one_session_sees_the_new_value(store: Store, integration_id: int) -> None:
    with store.session() as session:
        checkpoints = Checkpoints(session, integration_id)
        checkpoints.put("poll:rackbeat.customers", {"at": 1})
        assert checkpoints.get("poll:rackbeat.customers") == {"at": 1}
        checkpoints.put("poll:rackbeat.customers", {"at": 2})
        assert checkpoints.get("poll:rackbeat.customers") == {"at": 2}
        checkpoints.clear("poll:rackbeat.customers")
        assert checkpoints.get("poll:rackbeat.customers") is None
