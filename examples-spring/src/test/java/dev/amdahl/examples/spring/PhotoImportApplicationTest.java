package dev.amdahl.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.TaskFailedException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;

/** The example on the embedded broker: the bean's task runs on the application's worker. */
@SpringBootTest
@Timeout(60)
class PhotoImportApplicationTest {

    @Autowired
    PhotoImport photoImport;

    @Autowired
    HealthEndpoint health;

    @Test
    void thumbnailsAreMadeByTheWorkerOfTheApplication() throws Exception {
        List<Thumbnail> thumbnails = photoImport.thumbnails(
                List.of(new Photo("a.jpg", 4000, 3000), new Photo("b.jpg", 1000, 2000), new Photo("c.jpg", 100, 50)),
                Duration.ofSeconds(30));

        assertThat(thumbnails).extracting(Thumbnail::name).containsExactly("a.jpg", "b.jpg", "c.jpg");
        assertThat(thumbnails.get(0)).extracting(Thumbnail::width, Thumbnail::height).containsExactly(160, 120);
        assertThat(thumbnails.get(1)).extracting(Thumbnail::width, Thumbnail::height).containsExactly(80, 160);
        assertThat(thumbnails.get(2)).extracting(Thumbnail::width, Thumbnail::height).containsExactly(100, 50);
        assertThat(thumbnails).allSatisfy(t -> assertThat(t.worker()).isNotBlank());
        assertThat(((CompositeHealth) health.health()).getComponents().get("amdahl").getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aBadPhotoFailsItsTaskWithTheReason() {
        assertThatThrownBy(() -> photoImport.thumbnails(List.of(new Photo("broken.jpg", 0, 10)), Duration.ofSeconds(30)))
                .hasCauseInstanceOf(TaskFailedException.class)
                .hasMessageContaining("broken.jpg: a photo needs a positive size");
    }

    @Test
    void theMainMethodImportsAndCloses() throws Exception {
        PhotoImportApplication.main(new String[] {"--amdahl.worker.concurrency=2"});
    }
}
