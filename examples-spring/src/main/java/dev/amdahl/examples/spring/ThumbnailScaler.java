package dev.amdahl.examples.spring;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** An ordinary Spring bean the task needs: scales a photo to fit a box, keeping its aspect ratio. */
@Component
public class ThumbnailScaler {

    private final int box;

    public ThumbnailScaler(@Value("${photos.thumbnail-size:160}") int box) {
        this.box = box;
    }

    public Thumbnail scale(Photo photo) {
        if (photo.width() < 1 || photo.height() < 1) {
            throw new IllegalArgumentException(photo.name() + ": a photo needs a positive size, was "
                    + photo.width() + "x" + photo.height());
        }
        double factor = Math.min(1.0, (double) box / Math.max(photo.width(), photo.height()));
        return new Thumbnail(photo.name(), (int) Math.max(1, Math.round(photo.width() * factor)),
                (int) Math.max(1, Math.round(photo.height() * factor)), Thread.currentThread().getName());
    }
}
