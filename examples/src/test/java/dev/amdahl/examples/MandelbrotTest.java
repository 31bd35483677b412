package dev.amdahl.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MandelbrotTest {

    @ParameterizedTest(name = "{2} tiles of {0}x{1}")
    @CsvSource({"1600, 1200, 64", "1600, 1200, 1", "101, 37, 7", "300, 200, 12", "64, 48, 30", "10, 10, 100"})
    void tilesCoverThePictureExactlyOnce(int width, int height, int count) {
        List<Tile> tiles = Mandelbrot.tiles(width, height, count, Tile.Window.FULL_SET, 10);

        assertThat(tiles).hasSize(count);
        int[] covered = new int[width * height];
        for (Tile t : tiles) {
            assertThat(t.imageWidth()).isEqualTo(width);
            assertThat(t.imageHeight()).isEqualTo(height);
            for (int y = t.y(); y < t.y() + t.height(); y++) {
                for (int x = t.x(); x < t.x() + t.width(); x++) {
                    covered[y * width + x]++;
                }
            }
        }
        assertThat(covered).containsOnly(1);
    }

    @Test
    void theGridFollowsThePicturesShape() {
        List<Tile> tiles = Mandelbrot.tiles(1600, 1200, 12, Tile.Window.FULL_SET, 10);

        assertThat(tiles.get(0).width()).isEqualTo(400);   // 4 columns
        assertThat(tiles.get(0).height()).isEqualTo(400);  // 3 rows
    }

    @Test
    void tooManyTilesForThePictureAreRefused() {
        assertThatThrownBy(() -> Mandelbrot.tiles(4, 4, 64, Tile.Window.FULL_SET, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use fewer tiles");
    }

    @Test
    void theOriginIsInTheSetAndPaintedBlack() {
        assertThat(Mandelbrot.escapeTime(0, 0, 1000)).isInfinite();
        assertThat(Mandelbrot.colour(Mandelbrot.escapeTime(0, 0, 1000))).isZero();
    }

    @Test
    void aPointFarOutsideEscapesAtOnceAndIsNotBlack() {
        double t = Mandelbrot.escapeTime(2, 2, 1000);

        assertThat(t).isFinite().isLessThan(5);
        assertThat(Mandelbrot.colour(t)).isNotZero();
    }

    @Test
    void escapeTimesAreSmoothNotWholeNumbers() {
        double t = Mandelbrot.escapeTime(-0.75, 0.2, 1000);

        assertThat(t).isFinite();
        assertThat(t - Math.floor(t)).isNotZero();
    }

    @Test
    void aTileRendersTheSamePixelsAsTheWholePicture() {
        List<Tile> whole = Mandelbrot.tiles(64, 48, 1, Tile.Window.FULL_SET, 200);
        List<Tile> split = Mandelbrot.tiles(64, 48, 16, Tile.Window.FULL_SET, 200);
        BufferedImage one = Mandelbrot.stitch(whole, whole.stream().map(Mandelbrot::render).toList());
        BufferedImage many = Mandelbrot.stitch(split, split.stream().map(Mandelbrot::render).toList());

        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                assertThat(many.getRGB(x, y)).as("pixel (%d, %d)", x, y).isEqualTo(one.getRGB(x, y));
            }
        }
    }

    @Test
    void theCentreOfTheMainCardioidIsBlackInAPicture() {
        // the whole set at 160x120: c = -0.25 (inside the cardioid) sits at about column 103, row 60
        List<Tile> tiles = Mandelbrot.tiles(160, 120, 4, Tile.Window.FULL_SET, 500);
        BufferedImage image = Mandelbrot.stitch(tiles, tiles.stream().map(Mandelbrot::render).toList());

        assertThat(image.getRGB(103, 60) & 0xFFFFFF).isZero();
        assertThat(image.getRGB(0, 0) & 0xFFFFFF).isNotZero();
    }

    @Test
    void stitchRefusesPixelsThatDoNotMatchTheirTile() {
        List<Tile> tiles = Mandelbrot.tiles(10, 10, 2, Tile.Window.FULL_SET, 10);

        assertThatThrownBy(() -> Mandelbrot.stitch(tiles, List.of(new int[50], new int[3])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tile 1 has 50 pixels but 3 were rendered");
    }

    @Test
    void writesAPng(@TempDir Path dir) throws Exception {
        List<Tile> tiles = Mandelbrot.tiles(32, 24, 4, Tile.Window.FULL_SET, 50);
        Path png = dir.resolve("sub/m.png");

        Mandelbrot.writePng(Mandelbrot.stitch(tiles, tiles.stream().map(Mandelbrot::render).toList()), png);

        BufferedImage read = ImageIO.read(png.toFile());
        assertThat(read.getWidth()).isEqualTo(32);
        assertThat(read.getHeight()).isEqualTo(24);
    }

    @Test
    void theWindowIsWidenedToSquarePixels() {
        Tile.Window w = Tile.Window.FULL_SET.fitting(1600, 1200);

        assertThat((w.reMax() - w.reMin()) / (w.imMax() - w.imMin())).isCloseTo(4.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(w.reMin()).isEqualTo(-2.5);
        assertThat((w.imMin() + w.imMax()) / 2).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-12));
    }
}
