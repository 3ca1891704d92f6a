"""Benchmarks of the registry: ``python -m bench [--size S|L] [name ...]`` (``make bench``).

Each prints one line ``name: value unit (ratio x baseline)``; the baseline is measured in the same
run on the same database, so the ratios hold on a noisy machine. The data lives in a throw-away
database (``test_<name><JCM_TEST_DB_SUFFIX>_bench``) created and dropped by the run. Targets: ../shared/BENCHMARKS.md
and the README's performance section.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--size", choices=["S", "L"], default="S", help="S (default, quick) or L (national scale)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jcm_registry.settings.test")
    # its own database, beside any test database of the same checkout (JCM_TEST_DB_SUFFIX=_x -> test_<db>_x_bench)
    os.environ["JCM_TEST_DB_SUFFIX"] = os.environ.get("JCM_TEST_DB_SUFFIX", "") + "_bench"
    import django

    django.setup()
    import tempfile

    from django.db import connection
    from django.test.utils import override_settings

    from jcm_registry.celery import app as celery_app

    # Measure the registry, not its side effects: documents and e-mails are queued (not made
    # in-process) and any file lands in a throw-away media folder.
    celery_app.conf.task_always_eager = False
    media = tempfile.TemporaryDirectory()
    override_settings(MEDIA_ROOT=media.name, CELERY_TASK_ALWAYS_EAGER=False).enable()

    from bench import cases

    selected = args.names or list(cases.BENCHMARKS)
    unknown = set(selected) - set(cases.BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(cases.BENCHMARKS)}")
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    started = time.perf_counter()
    try:
        for name in selected:
            for line in cases.BENCHMARKS[name](args.size):
                print(line, flush=True)
    finally:
        if not args.keep:
            creation.destroy_test_db(old_name, verbosity=0)
    print(f"# {len(selected)} benchmark(s), size {args.size}, {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
