"""The Python Celery side of bench/redis-vs-celery and bench/rabbitmq-vs-celery.
   worker: python3 -m celery -A celery_bench worker -c 2 -P prefork
   client: python3 celery_bench.py <tasks> <roundtrips>
   CELERY_URL is the broker (default Redis database 13), CELERY_BACKEND the result backend (default the broker's URL);
   worker and client need the same two."""
import os
import sys
import time

from celery import Celery, group

URL = os.environ.get("CELERY_URL", "redis://127.0.0.1:6379/13")
app = Celery("celery_bench", broker=URL, backend=os.environ.get("CELERY_BACKEND", URL))
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)


@app.task(name="bench.noop")
def noop(n):
    return n


def main():
    tasks, round_trips = int(sys.argv[1]), int(sys.argv[2])
    # warm-up, untimed: connections and caches (CPython does not compile hot code, so one round is enough)
    group(noop.s(i) for i in range(tasks)).apply_async().get(timeout=600)
    for i in range(200):
        noop.delay(i).get(timeout=10)
    start = time.perf_counter()
    results = group(noop.s(i) for i in range(tasks)).apply_async().get(timeout=600)
    seconds = time.perf_counter() - start
    assert len(results) == tasks
    print(f"celery throughput: {tasks / seconds:.0f} tasks/s ({tasks} tasks in {seconds:.2f} s)")
    times = []
    for i in range(round_trips):
        t0 = time.perf_counter()
        noop.delay(i).get(timeout=10)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(f"celery round trip: p50 {times[len(times) // 2] * 1000:.3f} ms, p99 {times[int(len(times) * 0.99)] * 1000:.3f} ms")


if __name__ == "__main__":
    main()
