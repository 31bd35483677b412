package dev.amdahl.cli;

import static dev.amdahl.cli.DeployFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The container image, compose.yaml and the Kubernetes manifests, read as files: no image can be pulled or built
 * on the machines the tests run on, and no cluster is there. What a file says is checked against what the code
 * does: the grace against the worker's shutdown grace, the probes against its metrics port, the KEDA triggers
 * against each broker's key layout, and maxReplicaCount against {@code amdahl scale --replica-ceiling}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeployManifestsTest {

    private static final String K8S = "deploy/kubernetes/";
    private static final Converters.DurationConverter DURATIONS = new Converters.DurationConverter();

    // ---- Kubernetes ----

    @Test
    void everyManifestParsesAndNamesItsKindAndNamespace() throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DeployFiles.root().resolve(K8S))) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(7);
        for (Path file : files) {
            String relative = DeployFiles.root().relativize(file).toString();
            for (Map<String, Object> doc : DeployFiles.yaml(relative)) {
                assertThat((String) doc.get("apiVersion")).as(relative).isNotBlank();
                assertThat((String) doc.get("kind")).as(relative).isNotBlank();
                if (!"Kustomization".equals(doc.get("kind"))) {
                    assertThat((String) at(doc, "metadata", "name")).as(relative).isNotBlank();
                }
                if (!List.of("Kustomization", "Namespace").contains(doc.get("kind"))) {
                    assertThat((String) at(doc, "metadata", "namespace")).as(relative + " " + doc.get("kind")).isEqualTo("amdahl");
                }
            }
        }
        List<String> resources = at(DeployFiles.yaml(K8S + "kustomization.yaml").get(0), "resources");
        for (String resource : resources) {
            assertThat(DeployFiles.root().resolve(K8S + resource)).as("kustomization resource").isRegularFile();
        }
    }

    @Test
    void theWorkerOutlastsItsShutdownGraceAndIsProbedOnItsMetricsPort() {
        Map<String, Object> deployment = only(K8S + "worker.yaml", "Deployment");
        Map<String, Object> pod = at(deployment, "spec", "template", "spec");
        Map<String, Object> container = at(pod, "containers", 0);
        Map<String, String> env = env(container);

        Duration grace = DURATIONS.convert(env.get("AMDAHL_SHUTDOWN_GRACE"));
        int terminationGrace = at(pod, "terminationGracePeriodSeconds");
        assertThat(Duration.ofSeconds(terminationGrace)).as("terminationGracePeriodSeconds above the shutdown grace")
                .isGreaterThan(grace.plusSeconds(5));

        assertThat((List<String>) at(container, "args")).containsExactly("worker");
        assertThat((Object) at(deployment, "spec", "selector", "matchLabels"))
                .isEqualTo(Map.of("app.kubernetes.io/name", at(deployment, "spec", "template", "metadata", "labels",
                        "app.kubernetes.io/name")));
        for (String kind : List.of("requests", "limits")) {
            assertThat((Map<String, Object>) at(container, "resources", kind)).as(kind).containsKeys("cpu", "memory");
        }
        int metricsPort = Integer.parseInt(env.get("AMDAHL_METRICS_PORT"));
        assertThat(env.get("AMDAHL_METRICS_BIND")).as("the kubelet probes the pod's address, not loopback").isEqualTo("0.0.0.0");
        assertThat((Integer) at(container, "ports", 0, "containerPort")).isEqualTo(metricsPort);
        String portName = at(container, "ports", 0, "name");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat((String) at(container, probe, "httpGet", "path")).as(probe).isEqualTo("/metrics");
            assertThat((Object) at(container, probe, "httpGet", "port")).as(probe).isEqualTo(portName);
        }
        assertThat((Integer) at(pod, "securityContext", "runAsUser")).as("the image's user").isEqualTo(imageUid());
        assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).isTrue();
        assertThat((List<Map<String, Object>>) at(container, "envFrom"))
                .anySatisfy(from -> assertThat((Object) at(from, "configMapRef", "name")).isEqualTo("amdahl-config"));
    }

    @Test
    void theDashboardIsServedOnItsPortWithATokenFromASecret() {
        Map<String, Object> deployment = only(K8S + "dashboard.yaml", "Deployment");
        Map<String, Object> service = only(K8S + "dashboard.yaml", "Service");
        Map<String, Object> container = at(deployment, "spec", "template", "spec", "containers", 0);

        assertThat((List<String>) at(container, "args")).containsExactly("dashboard");
        assertThat((Object) at(service, "spec", "selector"))
                .isEqualTo(at(deployment, "spec", "selector", "matchLabels"));
        assertThat((Object) at(service, "spec", "ports", 0, "targetPort")).isEqualTo(at(container, "ports", 0, "name"));
        assertThat(env(container).get("AMDAHL_DASHBOARD_BIND")).isEqualTo("0.0.0.0:" + at(container, "ports", 0, "containerPort"));
        List<Map<String, Object>> vars = at(container, "env");
        assertThat(vars).anySatisfy(v -> {
            assertThat(v.get("name")).isEqualTo("AMDAHL_DASHBOARD_TOKEN");
            assertThat((String) at(v, "valueFrom", "secretKeyRef", "name")).isNotBlank();
        });
        assertThat((Map<String, Object>) at(container, "resources", "limits")).containsKeys("cpu", "memory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis-streams", "rabbitmq", "postgresql"})
    void eachScaledObjectScalesTheWorkersUpToAmdahlsCeiling(String broker) {
        Map<String, Object> scaled = only(K8S + "keda/" + broker + ".yaml", "ScaledObject");
        Map<String, Object> worker = only(K8S + "worker.yaml", "Deployment");

        assertThat((Object) at(scaled, "spec", "scaleTargetRef", "name")).isEqualTo(at(worker, "metadata", "name"));
        String arguments = at(scaled, "metadata", "annotations", "amdahl.dev/replica-ceiling");
        List<String> argv = Arrays.asList(arguments.trim().split("\\s+"));
        String concurrency = argv.get(argv.indexOf("--concurrency") + 1);
        assertThat(concurrency).as("the ceiling is computed for the worker's slots")
                .isEqualTo(env(at(worker, "spec", "template", "spec", "containers", 0)).get("AMDAHL_CONCURRENCY"));

        Cli.Result ceiling = Cli.run(Stream.concat(Stream.of("scale", "--replica-ceiling"), argv.stream()).toArray(String[]::new));

        assertThat(ceiling.exitCode()).as(ceiling.toString()).isZero();
        assertThat((Integer) at(scaled, "spec", "maxReplicaCount")).as("maxReplicaCount is what amdahl scale advises")
                .isEqualTo(Integer.parseInt(ceiling.out().strip()));
        assertThat((Integer) at(scaled, "spec", "minReplicaCount")).isBetween(0, Integer.parseInt(ceiling.out().strip()));
        assertThat((List<?>) at(scaled, "spec", "triggers")).isNotEmpty();
    }

    @Test
    void theRedisTriggersCountEveryPriorityStreamOfTheQueue() {
        Map<String, String> config = config();
        URI broker = URI.create(config.get("AMDAHL_BROKER"));
        Map<String, String> query = query(broker);
        String prefix = query.getOrDefault("prefix", "amdahl");
        int levels = Integer.parseInt(query.getOrDefault("priority-levels", "3"));
        String queue = config.get("AMDAHL_QUEUES");
        List<Map<String, Object>> triggers = at(only(K8S + "keda/redis-streams.yaml", "ScaledObject"), "spec", "triggers");

        // the layout of redis/README.md, Keys: {prefix}:q:{queue}:{level}; ContainerEntrypointIT finds these streams
        // (and their group 'workers') in a real Redis after a worker ran, and that an acknowledged entry is gone
        assertThat(triggers.stream().map(t -> (String) at(t, "metadata", "stream")).toList())
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, levels).mapToObj(l -> prefix + ":q:" + queue + ":" + l).toList());
        for (Map<String, Object> trigger : triggers) {
            assertThat(trigger.get("type")).isEqualTo("redis-streams");
            // KEDA reads XLEN only when no consumerGroup is named; the workers delete what they acknowledge, so
            // the length is the group's pending entries plus its lag
            assertThat((Map<String, Object>) trigger.get("metadata")).doesNotContainKeys("consumerGroup", "lagCount",
                    "pendingEntriesCount");
            assertThat((Object) at(trigger, "metadata", "address")).isEqualTo(broker.getHost() + ":" + broker.getPort());
            assertThat((String) at(trigger, "metadata", "streamLength")).containsOnlyDigits();
        }
    }

    @Test
    void theRabbitMqAndPostgresTriggersCountTheQueueWhereTheBrokerKeepsIt() {
        String queue = config().get("AMDAHL_QUEUES");
        Map<String, Object> rabbit = at(only(K8S + "keda/rabbitmq.yaml", "ScaledObject"), "spec", "triggers", 0);
        Map<String, Object> postgres = at(only(K8S + "keda/postgresql.yaml", "ScaledObject"), "spec", "triggers", 0);

        assertThat(rabbit.get("type")).isEqualTo("rabbitmq");
        assertThat((Object) at(rabbit, "metadata", "queueName")).as("rabbitmq/README.md: the queue is named as Amdahl's").isEqualTo(queue);
        assertThat((Object) at(rabbit, "metadata", "mode")).isEqualTo("QueueLength");
        assertThat((Object) at(rabbit, "authenticationRef", "name"))
                .isEqualTo(at(only(K8S + "keda/rabbitmq.yaml", "TriggerAuthentication"), "metadata", "name"));

        assertThat(postgres.get("type")).isEqualTo("postgresql");
        // postgres/README.md, Tables: {schema}.messages, one row per message, column queue
        assertThat((String) at(postgres, "metadata", "query")).contains("from amdahl.messages").contains("queue = '" + queue + "'");
        assertThat((Object) at(postgres, "authenticationRef", "name"))
                .isEqualTo(at(only(K8S + "keda/postgresql.yaml", "TriggerAuthentication"), "metadata", "name"));
    }

    // ---- the image and compose ----

    @Test
    void theDockerfileBuildsWithMavenAndRunsTheWorkerOnAJreAsAUserWhoIsNotRoot() {
        List<String> lines = dockerfile();
        List<String> from = lines.stream().filter(l -> l.startsWith("FROM ")).toList();

        assertThat(from).hasSize(2);
        assertThat(from.get(0)).contains("maven").endsWith(" AS build");
        assertThat(from.get(1)).contains("jre");
        assertThat(lines).anyMatch(l -> l.startsWith("RUN ") && l.contains("mvn ") && l.contains("package"));
        assertThat(lines).anyMatch(l -> l.startsWith("COPY --from=build ") && l.contains("amdahl.jar"));
        assertThat(imageUid()).isPositive();
        assertThat(lines).contains("STOPSIGNAL SIGTERM", "ENTRYPOINT [\"/opt/amdahl/entrypoint.sh\"]", "CMD [\"worker\"]");
        assertThat(lines).anyMatch(l -> l.startsWith("HEALTHCHECK ") && l.contains("entrypoint.sh\", \"health\""));
        assertThat(String.join("\n", lines)).contains("AMDAHL_SHUTDOWN_GRACE=30s").contains("AMDAHL_METRICS_PORT=9464");
        for (String line : lines) {
            if (line.startsWith("COPY --from=build /src/")) {
                String source = line.split("\\s+")[2].substring("/src/".length());
                if (!source.startsWith("cli/target/")) {
                    assertThat(DeployFiles.root().resolve(source)).as(line).isRegularFile();
                }
            }
        }
    }

    @Test
    void composeRunsRedisSeveralWorkersAndTheDashboardAndWaitsOutTheGrace() {
        Map<String, Object> compose = DeployFiles.yaml("compose.yaml").get(0);
        Map<String, Object> services = at(compose, "services");

        assertThat(services).containsKeys("redis", "worker", "dashboard");
        Map<String, Object> worker = at(services, "worker");
        Map<String, Object> env = at(worker, "environment");
        assertThat((Integer) at(worker, "deploy", "replicas")).isGreaterThanOrEqualTo(2);
        assertThat((List<String>) at(worker, "command")).containsExactly("worker");
        assertThat(DURATIONS.convert((String) worker.get("stop_grace_period")))
                .isGreaterThan(DURATIONS.convert((String) env.get("AMDAHL_SHUTDOWN_GRACE")));
        assertThat((String) worker.get("stop_signal")).isEqualTo("SIGTERM");
        assertThat(URI.create((String) env.get("AMDAHL_BROKER")).getHost()).isEqualTo("redis");
        assertThat((Object) at(worker, "depends_on", "redis", "condition")).isEqualTo("service_healthy");

        Map<String, Object> dashboard = at(services, "dashboard");
        assertThat((List<String>) at(dashboard, "command")).containsExactly("dashboard");
        assertThat((String) at(dashboard, "environment", "AMDAHL_DASHBOARD_TOKEN")).startsWith("${AMDAHL_DASHBOARD_TOKEN:?");
        assertThat((List<String>) dashboard.get("ports")).containsExactly("127.0.0.1:5555:5555");
    }

    // ---- helpers ----

    private static List<String> dockerfile() {
        return DeployFiles.read("Dockerfile").lines().map(String::strip).filter(l -> !l.startsWith("#")).toList();
    }

    private static int imageUid() {
        String user = dockerfile().stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
        return Integer.parseInt(user.substring(5).split(":")[0]);
    }

    private static Map<String, Object> only(String file, String kind) {
        List<Map<String, Object>> matches = DeployFiles.yaml(file).stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(matches).as(kind + " in " + file).hasSize(1);
        return matches.get(0);
    }

    private static Map<String, String> env(Map<String, Object> container) {
        List<Map<String, Object>> vars = at(container, "env");
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> v : vars) {
            if (v.get("value") != null) {
                env.put((String) v.get("name"), String.valueOf(v.get("value")));
            }
        }
        return env;
    }

    private static Map<String, String> config() {
        return at(only(K8S + "config.yaml", "ConfigMap"), "data");
    }

    private static Map<String, String> query(URI uri) {
        if (uri.getRawQuery() == null) {
            return Map.of();
        }
        return Arrays.stream(uri.getRawQuery().split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> p.length > 1 ? p[1] : ""));
    }
}
