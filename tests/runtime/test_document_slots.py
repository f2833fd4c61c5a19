"""Document slots: a document asleep before a retry lends its slot to the next one and gets a slot back,
before any new document, when it wakes."""

from __future__ import annotations

import threading

from ledgerbridge.runtime.slots import DocumentSlots


def test_slots_are_taken_up_to_the_size_and_given_back() -> None:
    slots = DocumentSlots(2)
    assert slots.take() and slots.take()
    assert not slots.take() and not slots.free()
    slots.release()
    assert slots.free() and slots.take()


def test_a_sleeping_document_lends_its_slot_and_takes_one_back_before_a_new_document() -> None:
    slots = DocumentSlots(1)
    assert slots.take()
    asleep, wake, awake = threading.Event(), threading.Event(), threading.Event()

    def sleeper() -> None:
        with slots.lent():
            asleep.set()
            wake.wait(5)
        awake.set()

    thread = threading.Thread(target=sleeper)
    thread.start()
    assert asleep.wait(5)
    assert slots.take()  # the lent slot: another document works while the first one sleeps
    wake.set()
    assert not awake.wait(0.2)  # awake, but every slot is at work: it waits for one
    assert not slots.take()  # and no new document goes before it
    slots.release()  # the other document is done
    assert awake.wait(5)
    thread.join(5)
    assert not slots.take()  # the slot is the woken document's again
    slots.release()
    assert slots.take()


def test_no_more_documents_asleep_than_slots() -> None:
    slots = DocumentSlots(1)
    assert slots.take()
    with slots.lent():
        assert slots.take()
        version = slots.version
        with slots.lent():  # one is asleep already: this one sleeps in its slot
            assert slots.version == version and not slots.free()
        slots.release()
    assert not slots.free()  # the first one has its slot back


def test_wait_returns_when_a_document_changes_something() -> None:
    slots = DocumentSlots(1)
    assert slots.take()
    seen = slots.version
    threading.Timer(0.05, slots.release).start()
    slots.wait(seen, timeout=5)
    assert slots.version != seen and slots.free()
