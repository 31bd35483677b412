package dev.amdahl.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, done as a reader would: its dependency block goes into the pom of a new Maven
 * project, its Java block into that project's sources, and its run command is run there. The project sees
 * this build's core jar and parent POM as if {@code mvn install} had put them in its local repository.
 *
 * <p>Why a private repository: the user's own may hold another build's {@code 0.1.0-SNAPSHOT}, or none at all
 * on a clean CI machine where nothing was installed. Third-party artifacts and plugins come from this build's
 * local repository, named as the only remote ({@code file://}), so the generated build downloads nothing and
 * fails, rather than fetches, if the README asks for something this build does not have.
 */
class ReadmeQuickStartIT {

    /** Under the test's own {@link Timeout}, so that a hung child is killed and its output shown. */
    private static final Duration CHILD_LIMIT = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void theReadmeQuickStartBuildsAndRunsAsANewMavenProject() throws Exception {
        String quickStart = section(Files.readString(property("quickstart.readme")), "## Quick start");
        String dependencies = onlyBlock(quickStart, "xml");
        String source = onlyBlock(quickStart, "java");
        List<String> runCommand = runCommand(quickStart);

        Path repository = Files.createDirectories(dir.resolve("repository"));
        installThisBuild(repository);
        Path settings = writeSettings(repository);
        Path project = writeProject(dir.resolve("quickstart"), dependencies, source);

        List<String> command = new ArrayList<>();
        command.add(mavenExecutable().toString());
        command.addAll(List.of("-B", "-ntp", "-Dstyle.color=never", "-s", settings.toString(), "-gs", settings.toString(),
                // wins over a maven.repo.local that MAVEN_OPTS may carry from the outer build's environment
                "-Dmaven.repo.local=" + repository.toAbsolutePath()));
        command.addAll(runCommand.subList(1, runCommand.size()));
        String output = run(command, project);

        assertThat(output).as("the first task's line, then the group's sum, then logs through the README's provider")
                .containsPattern("(?m)^\\S+ -> 168$")
                .contains("78498 primes below a million")
                .containsPattern("(?m)^\\[[^\\]]+\\] INFO dev\\.amdahl\\.");
    }

    /** What {@code mvn install} leaves for a SNAPSHOT of core: its jar and POM, and the parent POM it names. */
    private static void installThisBuild(Path repository) throws IOException {
        String version = System.getProperty("quickstart.version");
        Path jar = property("quickstart.coreJar");
        assertThat(jar.getFileName().toString()).as("core's packaged jar, not its classes folder").endsWith(".jar");
        copy(property("quickstart.parentPom"), repository, "amdahl-parent", version, ".pom");
        copy(property("quickstart.corePom"), repository, "amdahl-core", version, ".pom");
        copy(jar, repository, "amdahl-core", version, ".jar");
    }

    private static void copy(Path file, Path repository, String artifactId, String version, String extension) throws IOException {
        Path folder = Files.createDirectories(repository.resolve("dev/amdahl").resolve(artifactId).resolve(version));
        Files.copy(file, folder.resolve(artifactId + "-" + version + extension), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * This build's local repository stands in for Central. A local repository keeps no checksums for some
     * files, hence the policy, which a mirror takes from the repository it mirrors.
     */
    private Path writeSettings(Path repository) throws IOException {
        String url = property("quickstart.localRepository").toUri().toString();
        String settings = """
                <settings>
                  <localRepository>%1$s</localRepository>
                  <mirrors>
                    <mirror><id>this-build</id><mirrorOf>*</mirrorOf><url>%2$s</url></mirror>
                  </mirrors>
                  <profiles>
                    <profile>
                      <id>this-build</id>
                      <repositories>
                        <repository><id>central</id><url>%2$s</url>
                          <releases><checksumPolicy>ignore</checksumPolicy></releases>
                          <snapshots><enabled>false</enabled></snapshots></repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository><id>central</id><url>%2$s</url>
                          <releases><checksumPolicy>ignore</checksumPolicy></releases>
                          <snapshots><enabled>false</enabled></snapshots></pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>this-build</activeProfile></activeProfiles>
                </settings>
                """.formatted(repository.toAbsolutePath(), url);
        return Files.writeString(dir.resolve("settings.xml"), settings);
    }

    /**
     * A minimal user's POM around the README's dependencies. Plugins are pinned to the versions this build uses,
     * because the generated build can only find those; a reader online gets Maven's defaults instead.
     */
    private static Path writeProject(Path project, String dependencies, String source) throws IOException {
        String pom = """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>quickstart</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                %s  </dependencies>
                  <build>
                    <plugins>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>%s</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
                      <plugin><groupId>org.codehaus.mojo</groupId><artifactId>exec-maven-plugin</artifactId><version>%s</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(dependencies, System.getProperty("quickstart.resourcesPluginVersion"),
                System.getProperty("quickstart.compilerPluginVersion"), System.getProperty("quickstart.execPluginVersion"));
        Files.createDirectories(project);
        Files.writeString(project.resolve("pom.xml"), pom);

        Matcher pkg = Pattern.compile("(?m)^package ([\\w.]+);").matcher(source);
        Matcher cls = Pattern.compile("(?m)^public (?:final )?class (\\w+)").matcher(source);
        assertThat(cls.find()).as("the README's Java block is a public class").isTrue();
        Path folder = project.resolve("src/main/java").resolve(pkg.find() ? pkg.group(1).replace('.', '/') : "");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(cls.group(1) + ".java"), source);
        return project;
    }

    /** Runs {@code command} in {@code folder}, killing it past {@link #CHILD_LIMIT}; returns its output. */
    private String run(List<String> command, Path folder) throws IOException, InterruptedException {
        Path log = dir.resolve("mvn.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // the same JDK as this test, whatever JAVA_HOME the shell had
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("MAVEN_ARGS");
        Process process = builder.start();
        try {
            if (!process.waitFor(CHILD_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                fail("%s did not finish within %s; its output:%n%s", command, CHILD_LIMIT, Files.readString(log));
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("exit status of %s; its output:%n%s", command, output).isZero();
        return output;
    }

    /** From {@code maven.home} (set by the build), MAVEN_HOME, or the PATH. */
    private static Path mavenExecutable() {
        String name = System.getProperty("os.name").startsWith("Windows") ? "mvn.cmd" : "mvn";
        Stream<Path> homes = Stream.of(System.getProperty("maven.home"), System.getenv("MAVEN_HOME"))
                .filter(home -> home != null && !home.isBlank()).map(home -> Path.of(home, "bin"));
        Stream<Path> path = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank()).map(Path::of);
        return Stream.concat(homes, path).map(folder -> folder.resolve(name)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " found: set MAVEN_HOME or put Maven on the PATH"));
    }

    /** The README's text from {@code heading} to the next heading of the same level. */
    static String section(String readme, String heading) {
        int start = readme.indexOf("\n" + heading + "\n");
        assertThat(start).as("the README has a section '%s'", heading).isNotNegative();
        int end = readme.indexOf("\n## ", start + heading.length() + 2);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** The one fenced block of {@code language} in {@code text}. */
    static String onlyBlock(String text, String language) {
        Matcher m = Pattern.compile("(?ms)^```" + language + "\\n(.*?)^```$").matcher(text);
        assertThat(m.find()).as("a ```%s block", language).isTrue();
        String block = m.group(1);
        assertThat(m.find()).as("only one ```%s block", language).isFalse();
        return block;
    }

    /** The inline {@code `mvn ... exec:java ...`} command that the quick start tells the reader to run. */
    static List<String> runCommand(String text) {
        Matcher m = Pattern.compile("`(mvn [^`]*exec:java[^`]*)`").matcher(text);
        assertThat(m.find()).as("the quick start says how to run its class with exec:java").isTrue();
        assertThat(m.group(1)).as("a command this test can split on spaces").doesNotContain("\"", "'");
        return List.of(m.group(1).trim().split(" +"));
    }

    private static Path property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s, set by this module's POM", name).isNotBlank();
        return Path.of(value);
    }
}
