package dev.amdahl.cli;

import dev.amdahl.Amdahl;
import dev.amdahl.dashboard.Dashboard;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code amdahl dashboard}: the web dashboard of a shared broker, until stopped. */
@Command(name = "dashboard",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Serve a web dashboard of the workers, queues, tasks, workflows and groups of a shared broker.",
        description = "Serve a web dashboard and its JSON API: workers (from their heartbeats), queues with their dead"
                + " letters, tasks and their timelines, workflows drawn as their steps, the scaling of recent groups, and"
                + " actions (requeue dead letters, retry, revoke, terminate, purge). Listens on 127.0.0.1:5555 unless told"
                + " otherwise; on any other address it needs a token (--token or AMDAHL_DASHBOARD_TOKEN) or basic-auth"
                + " credentials (--user and AMDAHL_DASHBOARD_PASSWORD). Stop it with Ctrl-C.",
        footer = {"", "Examples:", "  amdahl dashboard --broker redis://127.0.0.1:6379",
                "  AMDAHL_DASHBOARD_TOKEN=$(openssl rand -hex 16) amdahl dashboard --broker redis://10.0.0.5:6379 --bind 0.0.0.0:5555"})
final class DashboardCommand extends OpsCommand {

    static final String TOKEN_ENV = "AMDAHL_DASHBOARD_TOKEN";
    static final String PASSWORD_ENV = "AMDAHL_DASHBOARD_PASSWORD";

    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:" + Dashboard.DEFAULT_PORT,
            description = "Where to listen (default: ${DEFAULT-VALUE}; port 0 takes any free port).")
    String bind;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Every request must carry this token (at least 16 characters); better given as " + TOKEN_ENV
                    + ", which other users of this host cannot read in the process list.")
    String token;

    @Option(names = "--user", paramLabel = "USER",
            description = "Require basic auth as this user, with the password in " + PASSWORD_ENV + ".")
    String user;

    @Option(names = {"-Q", "--queues"}, paramLabel = "QUEUE,...", split = ",", hideParamSyntax = true,
            description = "Queues to show besides amdahl and those the live workers consume.")
    List<String> queues;

    /** Where the dashboard listens, once it does (for tests). */
    final CompletableFuture<Dashboard> started = new CompletableFuture<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    Map<String, String> env = System.getenv();

    @Override
    String purpose() {
        return "shows what other processes do";
    }

    @Override
    int execute() {
        int colon = bind.lastIndexOf(':');
        if (colon <= 0) {
            throw new ParameterException(spec.commandLine(), "--bind " + bind + ": write HOST:PORT, e.g. 127.0.0.1:5555");
        }
        String host = bind.substring(0, colon).replaceAll("^\\[|\\]$", "");
        int port;
        try {
            port = Integer.parseInt(bind.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--bind " + bind + ": the port is not a number; write HOST:PORT,"
                    + " e.g. 127.0.0.1:5555");
        }
        String theToken = token != null ? token : blankToNull(env.get(TOKEN_ENV));
        String password = blankToNull(env.get(PASSWORD_ENV));
        if (user != null && password == null) {
            throw new ParameterException(spec.commandLine(), "--user " + user + " needs its password in the environment"
                    + " variable " + PASSWORD_ENV + " (never on the command line)");
        }
        try (Amdahl app = open()) {
            Dashboard.Builder builder = Dashboard.builder(app).bind(host, port);
            try {
                builder.token(theToken);
                if (user != null) {
                    builder.basicAuth(user, password);
                }
                if (queues != null) {
                    builder.queues(queues);
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            Dashboard dashboard;
            try {
                dashboard = builder.start();
            } catch (IllegalStateException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            try (dashboard) {
                out().println("dashboard of " + dev.amdahl.spi.UrlMasking.mask(broker) + " at " + dashboard.url()
                        + (theToken != null ? " (token required)" : user != null ? " (basic auth as " + user + ")" : ""));
                out().flush();
                started.complete(dashboard);
                Thread hook = new Thread(stop::countDown, "amdahl-dashboard-stop");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    stop.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return OK;
            }
        } finally {
            started.completeExceptionally(new IllegalStateException("the dashboard did not start"));
        }
    }

    /** Stops a dashboard this command serves (for tests; Ctrl-C does it for users). */
    void stop() {
        stop.countDown();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
