"""find_or_create_customers: one account per buyer email, found or created in a few queries however many buyers,
and no error when two workers create the same email at the same moment."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.models import Customer
from orders.services import BuyerInput, OrderActionRefused, find_or_create_customers

pytestmark = pytest.mark.django_db


def test_known_accounts_are_found_new_ones_created_lower_cased_and_keyed_by_lower_cased_email():
    known = Customer.objects.create(email="roni_cost@example.com", first_name="Veronica", last_name="Costello")
    capitalised = Customer.objects.create(email="Ann.Lee@Example.com", first_name="Ann")

    found = find_or_create_customers(
        buyers=[
            BuyerInput("ROni_Cost@example.com", "Someone", "Else"),  # known: names left as they are
            BuyerInput("Ann.Lee@Example.com"),  # entered elsewhere with capitals, spelled the same
            BuyerInput(" New.Buyer@Example.COM ", " New ", "Buyer"),
            BuyerInput("new.buyer@example.com", "Second", "Spelling"),  # the first buyer of an email names it
        ]
    )

    assert set(found) == {"roni_cost@example.com", "ann.lee@example.com", "new.buyer@example.com"}
    assert found["roni_cost@example.com"] == known
    assert (known.first_name, known.last_name) == ("Veronica", "Costello")
    assert found["ann.lee@example.com"] == capitalised
    new = Customer.objects.get(email="new.buyer@example.com")
    assert found["new.buyer@example.com"] == new and (new.first_name, new.last_name) == ("New", "Buyer")
    assert new.group == Customer.Group.GENERAL and Customer.objects.count() == 3
    assert find_or_create_customers(buyers=[]) == {}


def test_the_query_count_does_not_grow_with_the_buyers():
    def queries(buyers: list[BuyerInput]) -> int:
        with CaptureQueriesContext(connection) as captured:
            found = find_or_create_customers(buyers=buyers)
        assert len(found) == len({b.email.lower() for b in buyers})
        return len(captured.captured_queries)

    one = queries([BuyerInput("one@example.com")])
    many = queries([BuyerInput(f"buyer{n}@example.com", "Buyer", str(n)) for n in range(50)])
    mixed = queries([BuyerInput(f"buyer{n}@example.com") for n in range(40, 60)])  # 10 known, 10 new
    assert one == many == mixed == 5  # savepoint, look-up, insert, look-up of the new ones, release
    assert queries([BuyerInput(f"buyer{n}@example.com") for n in range(60)]) == 3  # all known: no insert
    assert Customer.objects.count() == 61


@pytest.mark.parametrize(
    "buyer",
    [BuyerInput(""), BuyerInput("no-at-sign"), BuyerInput("x" * 250 + "@example.com"), BuyerInput("a@b.c", "N" * 256)],
)
def test_a_buyer_without_a_usable_email_or_with_an_over_long_name_is_refused_and_nothing_is_created(buyer):
    with pytest.raises(OrderActionRefused) as caught:
        find_or_create_customers(buyers=[BuyerInput("fine@example.com"), buyer])
    assert list(caught.value.field_errors) == ["buyer_1"]
    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_second_worker_creating_the_same_email_waits_and_takes_the_first_ones_account(postgres_only):
    """Worker A has created x@ and y@ but not committed; worker B asks for y@ and z@: its insert waits on y@'s
    unique index entry, and once A commits B gets A's account for y@ instead of an IntegrityError."""
    a_created = threading.Event()
    results: dict[str, object] = {}

    def worker_a():
        try:
            with transaction.atomic():
                results["a"] = find_or_create_customers(
                    buyers=[BuyerInput("x@example.com"), BuyerInput("y@example.com")]
                )
                a_created.set()
                # Commit only once B is waiting for this transaction's lock (proof the two really overlapped).
                deadline = time.monotonic() + 10
                with connection.cursor() as cursor:
                    while time.monotonic() < deadline:
                        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'"
                        )
                        if cursor.fetchone()[0]:
                            results["b_waited"] = True
                            break
                        time.sleep(0.02)
        except Exception as exc:
            results["a"] = exc
        finally:
            a_created.set()
            connection.close()

    def worker_b():
        try:
            a_created.wait(10)
            results["b"] = find_or_create_customers(buyers=[BuyerInput("y@example.com"), BuyerInput("z@example.com")])
        except Exception as exc:
            results["b"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    a, b = results["a"], results["b"]
    assert isinstance(a, dict) and isinstance(b, dict), results
    assert results.get("b_waited"), "worker B never waited for worker A: the race was not exercised"
    assert b["y@example.com"].pk == a["y@example.com"].pk
    assert sorted(Customer.objects.values_list("email", flat=True)) == [
        "x@example.com",
        "y@example.com",
        "z@example.com",
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_workers_creating_overlapping_buyers_at_once_all_get_the_same_accounts(postgres_only):
    emails = [f"buyer{n}@example.com" for n in range(30)]
    barrier = threading.Barrier(4)
    results: list[object] = [None] * 4

    def work(n: int) -> None:
        mine = random.Random(n).sample(emails, 20)  # overlapping sets, each in its own order
        try:
            barrier.wait()
            with transaction.atomic():
                results[n] = {
                    k: c.pk for k, c in find_or_create_customers(buyers=[BuyerInput(e) for e in mine]).items()
                }
        except Exception as exc:
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert all(isinstance(r, dict) and len(r) == 20 for r in results), results
    ids = dict(Customer.objects.values_list("email", "pk"))
    for found in results:
        assert all(ids[email] == pk for email, pk in found.items())
    assert Customer.objects.count() == len(set().union(*results))
