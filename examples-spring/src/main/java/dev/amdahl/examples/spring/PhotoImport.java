package dev.amdahl.examples.spring;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Service;

/** Submits the thumbnails of a batch of photos, one task each, and waits for them in order. */
@Service
public class PhotoImport {

    private final Task<Photo, Thumbnail> thumbnail;

    public PhotoImport(Amdahl amdahl) {
        // a handle by name: the code is registered by PhotoTasks here, or by the workers elsewhere
        this.thumbnail = amdahl.task(PhotoTasks.THUMBNAIL, Photo.class, Thumbnail.class);
    }

    public List<Thumbnail> thumbnails(List<Photo> photos, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        return thumbnail.map(photos).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
