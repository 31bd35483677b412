package dev.amdahl.internal.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The application's routes: task name patterns to queues, first match wins (Celery's {@code task_routes}).
 * A pattern is a task name in which {@code *} stands for any characters and {@code ?} for one.
 */
public final class Router {

    private record Route(String glob, Pattern pattern, String queue) {
    }

    private final List<Route> routes;

    private Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    public static Router none() {
        return new Router(List.of());
    }

    /** This router with one more route, tried after the existing ones. */
    public Router with(String glob, String queue) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("a route needs a task name or pattern such as \"photo.*\", was '" + glob + "'");
        }
        QueueNames.check(queue);
        List<Route> more = new ArrayList<>(routes);
        more.add(new Route(glob, compile(glob), queue));
        return new Router(more);
    }

    /** The queue for {@code taskName}, or {@code null} when no route matches. */
    public String route(String taskName) {
        for (Route r : routes) {
            if (r.pattern().matcher(taskName).matches()) {
                return r.queue();
            }
        }
        return null;
    }

    private static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
        return routes.stream().map(r -> r.glob() + " -> " + r.queue()).toList().toString();
    }
}
