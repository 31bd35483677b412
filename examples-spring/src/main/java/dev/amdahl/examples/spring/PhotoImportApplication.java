package dev.amdahl.examples.spring;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application with Amdahl: thumbnails of a photo library made by tasks of a bean. Run it on the embedded
 * broker ({@code mvn -pl examples-spring exec:java}) or on Redis
 * ({@code -Dexec.args=--amdahl.broker=redis://127.0.0.1:6379}); it imports twelve photos, logs their thumbnails and
 * closes, the worker stopping with the context.
 */
@SpringBootApplication
public class PhotoImportApplication {

    private static final Logger log = LoggerFactory.getLogger(PhotoImportApplication.class);

    public static void main(String[] args) throws Exception {
        try (ConfigurableApplicationContext context = SpringApplication.run(PhotoImportApplication.class, args)) {
            List<Photo> photos = IntStream.rangeClosed(1, 12)
                    .mapToObj(i -> new Photo(String.format("IMG_%04d.jpg", i), 4000 + 10 * i, 3000)).toList();
            for (Thumbnail t : context.getBean(PhotoImport.class).thumbnails(photos, Duration.ofMinutes(1))) {
                log.info("{} -> {}x{} on {}", t.name(), t.width(), t.height(), t.worker());
            }
        }
    }
}
