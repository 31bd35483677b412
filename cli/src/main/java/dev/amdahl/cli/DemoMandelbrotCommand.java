package dev.amdahl.cli;

import dev.amdahl.examples.MandelbrotJob;
import dev.amdahl.examples.Tile;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amdahl demo mandelbrot}: renders the Mandelbrot set as tile tasks, timed at each worker count. */
@Command(name = "mandelbrot",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Render the Mandelbrot set as tile tasks, timed at each worker count.",
        description = "Render the Mandelbrot set as one task per tile on 1, 2, ... workers, write the picture as a PNG, and print each run's wall time, tasks per second and speedup against 1 worker.",
        footer = {
            "",
            "Examples:",
            "  amdahl demo mandelbrot",
            "  amdahl demo mandelbrot --workers 1,2,4 --size 3200x2400 --tiles 256 -o big.png",
            "  amdahl demo mandelbrot --broker redis://127.0.0.1:6379",
            "      (served by 'amdahl worker --broker redis://127.0.0.1:6379' run elsewhere)",
            "  amdahl demo mandelbrot --broker amqp://guest:guest@127.0.0.1:5672/ --backend redis://127.0.0.1:6379",
            "      (served by 'amdahl worker' with the same --broker and --backend)",
        })
final class DemoMandelbrotCommand extends CliCommand {

    @Mixin
    DemoOptions demo;

    @Option(names = "--size", paramLabel = "WxH", converter = Converters.SizeConverter.class, defaultValue = "1600x1200",
            description = "The picture's size in pixels (default: ${DEFAULT-VALUE}).")
    Converters.Size size;

    @Option(names = "--tiles", paramLabel = "N", defaultValue = "64",
            description = "How many tiles, one task each (default: ${DEFAULT-VALUE}).")
    int tiles;

    @Option(names = "--max-iterations", paramLabel = "N", defaultValue = "" + MandelbrotJob.DEFAULT_MAX_ITERATIONS,
            description = "Iterations before a point counts as inside the set (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", defaultValue = "mandelbrot.png",
            description = "Where to write the picture, a .png file in a folder that exists (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    int execute() {
        MandelbrotJob job;
        try {
            job = new MandelbrotJob(size.width(), size.height(), tiles, maxIterations, Tile.Window.FULL_SET);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        OutputFile.check(spec, "--out", out, List.of("png"));
        BufferedImage[] last = new BufferedImage[1];
        new DemoRunner(spec, demo).run(job, (app, progress) -> {
            MandelbrotJob.Rendering rendering = job.render(app, progress);
            last[0] = rendering.image();
            return rendering.run();
        });
        OutputFile.write(out, png(last[0]));
        out().println("wrote " + out + " (" + size + ")");
        return OK;
    }

    private static byte[] png(BufferedImage image) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            if (!javax.imageio.ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("this Java runtime has no PNG writer");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
