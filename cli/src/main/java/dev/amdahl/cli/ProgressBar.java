package dev.amdahl.cli;

import dev.amdahl.examples.JobProgress;
import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn in place with {@code \r}, for terminals only: redirected to a file,
 * the redraws would be a mess of control characters, so commands print plain lines there instead.
 */
final class ProgressBar implements JobProgress {

    private static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final String label;
    private int drawnLength;

    ProgressBar(PrintWriter out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void update(int done, int total) {
        int filled = total == 0 ? BAR_WIDTH : done * BAR_WIDTH / total;
        String line = label + " [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + done + "/" + total + " tasks";
        out.print("\r" + line);
        drawnLength = line.length();
        out.flush();
    }

    /** Wipes the bar, leaving the cursor at the start of its line for what replaces it. */
    void clear() {
        if (drawnLength > 0) {
            out.print("\r" + " ".repeat(drawnLength) + "\r");
            out.flush();
            drawnLength = 0;
        }
    }
}
