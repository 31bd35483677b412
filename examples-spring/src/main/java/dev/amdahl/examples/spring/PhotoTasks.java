package dev.amdahl.examples.spring;

import dev.amdahl.Amdahl;
import dev.amdahl.TaskCatalog;
import org.springframework.stereotype.Component;

/**
 * The application's tasks, as a bean: the starter registers every {@link TaskCatalog} bean with the auto-configured
 * {@link Amdahl}, so the task's code can use the application's other beans.
 */
@Component
public class PhotoTasks implements TaskCatalog {

    static final String THUMBNAIL = "photo.thumbnail";

    private final ThumbnailScaler scaler;

    public PhotoTasks(ThumbnailScaler scaler) {
        this.scaler = scaler;
    }

    @Override
    public void register(Amdahl app) {
        app.task(THUMBNAIL, Photo.class, Thumbnail.class, scaler::scale);
    }
}
