package dev.amdahl.scaling;

import static dev.amdahl.scaling.SyntheticTimings.POWERS_OF_TWO;
import static dev.amdahl.scaling.SyntheticTimings.timings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

class SpeedupChartTest {

    private static final AmdahlLaw BOOK = AmdahlLaw.ofParallelFraction(0.99);

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void svgIsWellFormedAndShowsTheCeiling() throws Exception {
        String svg = SpeedupChart.of(BOOK, 1000).toSvg();

        Document document = parse(svg);
        assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(document.getDocumentElement().getAttribute("xmlns")).isEqualTo("http://www.w3.org/2000/svg");
        NodeList texts = document.getElementsByTagName("text");
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < texts.getLength(); i++) {
            labels.append(texts.item(i).getTextContent()).append('\n');
        }
        assertThat(labels).contains("limit 1/S = 100×\n", "ideal (speedup = n)", "Amdahl", "log10", "1000");
        assertThat(labels).doesNotContain("above chart");
        // the dashed ceiling line is drawn across the plot
        assertThat(svg).containsPattern("<line [^>]*stroke=\"#d62728\"[^>]*stroke-dasharray");
        assertThat(document.getElementsByTagName("polyline").getLength()).isEqualTo(2);
    }

    @Test
    void countsThatAreNotPowersOfTenGetALogTwoAxis() throws Exception {
        String svg = SpeedupChart.of(AmdahlLaw.ofSerialFraction(0.1), 64).toSvg();

        parse(svg);
        assertThat(svg).contains("log2 scale", ">64<", ">32<");
    }

    @Test
    void reportChartShowsMeasuredPointsAndFits() throws Exception {
        ScalingReport report = ScalingAnalysis.ofDefaults()
                .analyze(timings(100.0, 0.05, 0.05, 0.02, 5, 7L, POWERS_OF_TWO));

        String svg = SpeedupChart.of(report).toSvg();

        Document document = parse(svg);
        assertThat(document.getElementsByTagName("circle").getLength()).isEqualTo(7 + 1); // + legend
        assertThat(svg).contains("measured: median", "with overhead", "limit of the fit", "confidence band",
                "advice: " + report.advice().workers());
        assertThat(document.getElementsByTagName("polygon").getLength()).as("the band").isEqualTo(1);
    }

    @Test
    void pngDecodesAtTheAskedSize() throws Exception {
        byte[] png = SpeedupChart.of(BOOK, 1000).withSize(800, 500).toPng();

        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
        assertThat(image.getRGB(0, 0) & 0xffffff).isEqualTo(0xffffff);
    }

    @Test
    void writesTheFormatTheExtensionNames(@TempDir Path dir) throws Exception {
        SpeedupChart chart = SpeedupChart.of(BOOK, 1000);
        chart.write(dir.resolve("speedup.svg"));
        chart.write(dir.resolve("speedup.PNG"));

        parse(Files.readString(dir.resolve("speedup.svg")));
        assertThat(ImageIO.read(dir.resolve("speedup.PNG").toFile()).getWidth()).isEqualTo(720);
        assertThatThrownBy(() -> chart.write(dir.resolve("speedup.gif")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".svg or .png");
        assertThatThrownBy(() -> chart.withSize(10, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chart size");
    }

    @Test
    void perfectScalingHasNoCeilingLine() throws Exception {
        String svg = SpeedupChart.of(AmdahlLaw.ofSerialFraction(0.0), 100).toSvg();

        parse(svg);
        assertThat(svg).contains("limit 1/S: none (S = 0)").doesNotContain("Infinity", "NaN");
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }
}
