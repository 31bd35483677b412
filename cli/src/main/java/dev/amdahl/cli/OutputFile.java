package dev.amdahl.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A file a command writes, checked before the command does its work: a benchmark or a render should not run for a
 * minute and then fail on a typo in the path. The folder must exist (it is never created: a misspelt folder would
 * otherwise hold the file where nobody looks), the path must not name a folder, and the extension must be one of the
 * formats the option writes, so {@code --out picture.jpg} does not leave PNG bytes under a JPEG name.
 */
final class OutputFile {

    private OutputFile() {
    }

    /**
     * Fails with a usage error naming {@code option} when {@code file} cannot be written as one of {@code extensions}
     * (lower case, without the dot); does nothing when {@code file} is null (the option was not given).
     */
    static void check(CommandSpec spec, String option, Path file, List<String> extensions) {
        if (file == null) {
            return;
        }
        String problem = problem(file, extensions);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), option + " " + file + ": " + problem);
        }
    }

    /** What is wrong with writing {@code file} as one of {@code extensions}; {@code null} when nothing is. */
    static String problem(Path file, List<String> extensions) {
        if (Files.isDirectory(file)) {
            return "that is a folder; name a file in it, e.g. " + file.resolve("out." + extensions.get(0));
        }
        Path name = file.getFileName();
        String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (extensions.stream().noneMatch(ext -> lower.endsWith("." + ext))) {
            return "the file name must end in " + extensions.stream().map(ext -> "." + ext).collect(Collectors.joining(" or "))
                    + (extensions.size() == 1 ? ", the format written" : ", which chooses the format");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            return Files.exists(parent) ? parent + " is not a folder"
                    : "the folder " + parent + " does not exist; create it first (mkdir -p " + parent + ") or name another";
        }
        if (parent != null && !Files.isWritable(parent) && !Files.isWritable(file)) {
            return "the folder " + parent + " is not writable by this user";
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            return "the file exists and is not writable by this user";
        }
        return null;
    }

    /** Writes {@code bytes} to {@code file}, an I/O failure reported as what happened to which file, without a trace. */
    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw failed(file, e);
        }
    }

    /** {@link #write(Path, byte[])} for text in UTF-8. */
    static void write(Path file, String text) {
        write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The failure to write {@code file}, in words: the reason the system gave, not the exception's class. */
    static UncheckedIOException failed(Path file, IOException e) {
        String reason = e instanceof java.nio.file.NoSuchFileException ? "its folder does not exist"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : String.valueOf(e.getMessage());
        return new UncheckedIOException("cannot write " + file + ": " + reason, e);
    }
}
