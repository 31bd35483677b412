package dev.amdahl.celery;

/** Celery's own tools against a Java worker on Redis: db 11, broker and results, this test's own. */
class CeleryControlAndEventsIT extends CeleryControlAndEvents {

    static final String URL = "redis://127.0.0.1:6379/11";

    @Override
    String broker() {
        return URL;
    }

    @Override
    String backend() {
        return URL;
    }

    @Override
    void deleteQueue() {
        // the queue's lists are in db 11, which the base class empties
    }
}
