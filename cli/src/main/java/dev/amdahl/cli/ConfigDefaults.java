package dev.amdahl.cli;

import dev.amdahl.spi.UrlMasking;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The values of options not given on the command line: first the environment ({@code AMDAHL_BROKER} for
 * {@code --broker}), then the configuration file ({@code broker=} in {@code amdahl.properties} in the working
 * directory, or the file named by {@code --config}), then the option's own default. So a flag beats the environment,
 * which beats the file. Only the options that say where and how to connect and run are read ({@link #KEYS}): a
 * stray {@code AMDAHL_WAIT} must not change what {@code submit} does.
 */
final class ConfigDefaults implements IDefaultValueProvider {

    /** The file read from the working directory when {@code --config} is not given. */
    static final String DEFAULT_FILE = "amdahl.properties";

    /** The options read from the environment and the file, by their key in the file. */
    static final Set<String> KEYS = Set.of("broker", "backend", "queues", "concurrency", "prefetch", "pool", "signing-keys",
            "loglevel", "log-format", "include");

    private final Map<String, String> env;
    private final Properties file;
    private final Path source;

    private ConfigDefaults(Map<String, String> env, Properties file, Path source) {
        this.env = env;
        this.file = file;
        this.source = source;
    }

    /**
     * The defaults of one run: {@code config} names the file ({@code --config}), {@code null} for
     * {@value #DEFAULT_FILE} in the working directory if there is one.
     *
     * @throws IllegalArgumentException when the file named by {@code --config} is missing or unreadable, or has a key
     *                                  that is not an option (a typo would otherwise be silently ignored)
     */
    static ConfigDefaults load(String config, Map<String, String> env) {
        Path path = config != null ? Path.of(config) : Path.of(DEFAULT_FILE);
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            if (config != null) {
                throw new IllegalArgumentException("--config " + config + ": no such file. Name an existing properties file,"
                        + " e.g. --config /etc/amdahl/amdahl.properties");
            }
            return new ConfigDefaults(env, p, null);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException((config != null ? "--config " + config : path.toAbsolutePath().toString())
                    + ": cannot be read as a properties file (" + e.getMessage() + ")");
        }
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(path + ": unknown key '" + key + "'; the keys are "
                        + new java.util.TreeSet<>(KEYS));
            }
        }
        return new ConfigDefaults(env, p, path);
    }

    /** The environment variable of {@code key}: {@code log-format} is {@code AMDAHL_LOG_FORMAT}. */
    static String envName(String key) {
        return "AMDAHL_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        String key = option.longestName().replaceFirst("^-+", "");
        if (!KEYS.contains(key)) {
            return null;
        }
        String fromEnv = env.get(envName(key));
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        String fromFile = file.getProperty(key);
        if (fromFile != null && !fromFile.isBlank()) {
            return fromFile.trim();
        }
        return option.defaultValue();
    }

    /** Where the file defaults came from, for {@code --verbose}; passwords masked. */
    String describe() {
        return source == null ? "no " + DEFAULT_FILE + " here" : "defaults from " + UrlMasking.mask(source.toString());
    }
}
