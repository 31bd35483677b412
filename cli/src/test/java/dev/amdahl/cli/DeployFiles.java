package dev.amdahl.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The repository's deployment files, as the tests of them read them. */
final class DeployFiles {

    private DeployFiles() {
    }

    /** The repository's root: the tests run in cli/, the files live beside it. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no deploy/ above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    static String read(String relative) {
        try {
            return Files.readString(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of a YAML file, read with the safe constructor (plain maps, lists and scalars only). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> yaml(String relative) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(options)).loadAll(read(relative))) {
            if (document != null) {
                documents.add((Map<String, Object>) document);
            }
        }
        return documents;
    }

    /** The value at a path of keys and list indexes ("spec", "template", 0, ...), or null. */
    @SuppressWarnings("unchecked")
    static <T> T at(Object node, Object... path) {
        Object here = node;
        for (Object step : path) {
            if (step instanceof Integer i && here instanceof List<?> list) {
                here = i < list.size() ? list.get(i) : null;
            } else if (here instanceof Map<?, ?> map) {
                here = map.get(step);
            } else {
                return null;
            }
        }
        return (T) here;
    }
}
