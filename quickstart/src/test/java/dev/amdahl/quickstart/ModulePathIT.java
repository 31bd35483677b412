package dev.amdahl.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that is a named module uses core as the module {@code dev.amdahl.core}: it compiles against
 * the exported packages alone, the embedded broker is found as a service, its records travel as JSON, and the
 * process pool's children start on the module path and find the application's catalog there.
 */
class ModulePathIT {

    private static final long LIMIT_SECONDS = 90;

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)   // a blocked pipe read ignores interrupts
    void anApplicationModuleRunsTasksOnThreadsAndInChildJvms(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/demo");
        write(src.resolve("module-info.java"), """
                module demo {
                    requires dev.amdahl.core;
                    exports demo;
                    opens demo to com.fasterxml.jackson.databind;
                }
                """);
        write(src.resolve("demo/Tasks.java"), """
                package demo;

                import dev.amdahl.Amdahl;
                import dev.amdahl.TaskCatalog;

                public class Tasks implements TaskCatalog {
                    public record Range(long from, long to) { }

                    @Override
                    public void register(Amdahl app) {
                        app.task("range.size", Range.class, Long.class, r -> r.to() - r.from());
                        app.task("pid", String.class, Long.class, s -> ProcessHandle.current().pid());
                    }
                }
                """);
        write(src.resolve("demo/Main.java"), """
                package demo;

                import dev.amdahl.Amdahl;
                import dev.amdahl.Pool;
                import dev.amdahl.Task;
                import dev.amdahl.Worker;
                import dev.amdahl.WorkerOptions;
                import java.time.Duration;
                import java.util.List;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        try (Amdahl app = Amdahl.builder().include(Tasks.class).build()) {
                            Task<Tasks.Range, Long> size = app.task("range.size", Tasks.Range.class, Long.class);
                            Task<String, Long> pid = app.task("pid", String.class, Long.class);
                            try (Worker threads = app.startWorker(WorkerOptions.builder().concurrency(2).build())) {
                                System.out.println("group " + size.map(List.of(new Tasks.Range(0, 1), new Tasks.Range(0, 2)))
                                        .result(Duration.ofSeconds(30)));
                            }
                            try (Worker processes = app.startWorker(WorkerOptions.builder().concurrency(1).pool(Pool.PROCESSES).build())) {
                                System.out.println("child " + pid.submit("x").result(Duration.ofSeconds(30))
                                        + " parent " + ProcessHandle.current().pid());
                            }
                        }
                    }
                }
                """);
        String modulePath = modulePath();
        Path out = dir.resolve("out");
        run(List.of(tool("javac"), "-d", out.toString(), "--module-path", modulePath, "--module-source-path",
                dir.resolve("src").toString(), "-m", "demo"));

        String output = run(List.of(tool("java"), "--module-path", out + File.pathSeparator + modulePath, "-m", "demo/demo.Main"));

        assertThat(output).contains("group [1, 2]");
        Matcher pids = Pattern.compile("child (\\d+) parent (\\d+)").matcher(output);
        assertThat(pids.find()).as("the process pool's answer in:%n%s", output).isTrue();
        assertThat(pids.group(1)).as("the task ran in a child JVM").isNotEqualTo(pids.group(2));
    }

    /** Core's jar and the jars it requires, from this test's own class path (core is its dependency). */
    private static String modulePath() {
        String core = System.getProperty("quickstart.coreJar");
        List<String> path = new ArrayList<>(List.of(core));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith("jackson-") || name.startsWith("slf4j-api")) {
                path.add(entry);
            }
        }
        return String.join(File.pathSeparator, path);
    }

    private static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (Stream<String> lines = p.inputReader(StandardCharsets.UTF_8).lines()) {
            output = lines.collect(Collectors.joining("\n"));
        }
        if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command.get(0) + " did not finish in " + LIMIT_SECONDS + " s:\n" + output);
        }
        assertThat(p.exitValue()).as("%s exit code; its output:%n%s", command.get(0), output).isZero();
        return output;
    }
}
