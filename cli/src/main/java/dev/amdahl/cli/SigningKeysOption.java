package dev.amdahl.cli;

import dev.amdahl.SigningKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Where a command finds its message signing keys: {@code --signing-keys FILE}, else the file named by
 * {@code AMDAHL_SIGNING_KEYS_FILE}, else the keys in {@code AMDAHL_SIGNING_KEYS}; none means unsigned.
 * Keys are read, never printed: an error names the file or the variable, not what is in it.
 */
final class SigningKeysOption {

    static final String ENV_KEYS = "AMDAHL_SIGNING_KEYS";
    static final String ENV_FILE = "AMDAHL_SIGNING_KEYS_FILE";

    @Option(names = "--signing-keys", paramLabel = "FILE",
            description = "Sign messages, and run only signed ones, with the keys in FILE: id=base64secret,... the first"
                    + " one signs, all verify (rotation); '+unsigned' also lets unsigned messages run. Default: the file in $"
                    + ENV_FILE + ", else the keys in $" + ENV_KEYS + ", else no signing.")
    Path file;

    /** The environment; tests put their own. */
    UnaryOperator<String> environment = System::getenv;

    /** The keys, or {@code null} when none are configured. */
    SigningKeys load(CommandSpec spec) {
        Path path = file;
        String from = "--signing-keys " + file;
        if (path == null && environment.apply(ENV_FILE) != null && !environment.apply(ENV_FILE).isBlank()) {
            path = Path.of(environment.apply(ENV_FILE));
            from = "$" + ENV_FILE + " (" + path + ")";
        }
        String text;
        if (path != null) {
            try {
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), from + ": cannot read the signing keys (" + e.getClass().getSimpleName()
                        + "); check that the file exists and this user may read it");
            }
        } else {
            text = environment.apply(ENV_KEYS);
            from = "$" + ENV_KEYS;
            if (text == null || text.isBlank()) {
                return null;
            }
        }
        try {
            return SigningKeys.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), from + ": " + e.getMessage());
        }
    }
}
