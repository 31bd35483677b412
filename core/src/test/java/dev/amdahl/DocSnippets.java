package dev.amdahl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps documentation examples true: the code between {@code // --- guide: name ---} and
 * {@code // --- end ---} in a test's source, run by that test, must appear in the document as is (less
 * its indentation).
 */
final class DocSnippets {

    private static final Pattern MARKED = Pattern.compile("\\n( *)// --- guide: (\\w+) ---\\n(.*?)\\n *// --- end ---", Pattern.DOTALL);

    private DocSnippets() {
    }

    /**
     * Checks that {@code document} (relative to the repository root) shows every snippet of the test class
     * {@code test}; returns the snippets' names in source order.
     */
    static List<String> assertShown(Class<?> test, String document) throws IOException {
        String source = Files.readString(Path.of("src/test/java", test.getName().replace('.', '/') + ".java"));
        String doc = Files.readString(Path.of("..", document));
        Matcher m = MARKED.matcher(source);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            int indent = m.group(1).length();
            String snippet = m.group(3).lines().map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
                    .collect(Collectors.joining("\n"));
            assertThat(doc).as("%s shows the example '%s'", document, m.group(2)).contains(snippet);
            names.add(m.group(2));
        }
        return names;
    }
}
