"""Real parallel transactions: project IDs are handed out one at a time per partner country."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from projects.models import Project

from . import cycle


@pytest.mark.django_db(transaction=True)
def test_parallel_creations_get_distinct_consecutive_ids(pp, jc, solar, scope1, japanese_company, partner_company):
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            barrier.wait()
            project = cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                           partner=partner_company, title=f"Parallel {n}")
            results.append(project.project_id)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == ["MN001", "MN002", "MN003", "MN004"]
    assert Project.objects.count() == 4
