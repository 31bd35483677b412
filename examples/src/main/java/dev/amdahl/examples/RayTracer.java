package dev.amdahl.examples;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * The render farm's scene and the ray tracer that draws it: the kernel of the {@code render.frame} task.
 * A mirror sphere stands on a checkered floor; three coloured balls circle it and bounce; the camera
 * orbits the lot once over the animation, so the last frame leads back into the first.
 *
 * <pre>{@code
 * Frame frame = new Frame(0, 36, 320, 180, 2, "run-1");
 * int[] rgb = RayTracer.render(frame);        // 320 * 180 pixels, row by row
 * byte[] png = RayTracer.renderPng(frame);    // what the task returns
 * }</pre>
 *
 * <p>A frame depends only on its {@link Frame} (no randomness, no clock), so any worker on any machine
 * renders the same pixels for it, and a frame rendered again is the frame rendered before. Each pixel
 * averages {@code samples x samples} rays on a regular grid (anti-aliasing); a ray may bounce off the
 * mirror and the floor up to {@value #MAX_DEPTH} times; the one light casts hard shadows.
 */
public final class RayTracer {

    private static final int MAX_DEPTH = 3;
    private static final double EPSILON = 1e-6;
    private static final double FIELD_OF_VIEW = Math.toRadians(50);

    private static final Vec LIGHT = new Vec(4, 7, -3);
    private static final Vec LOOK_AT = new Vec(0, 0.8, 0);
    private static final double CAMERA_RADIUS = 6.0;
    private static final double CAMERA_HEIGHT = 2.2;

    /** The mirror sphere in the middle. */
    private static final Sphere MIRROR = new Sphere(new Vec(0, 1, 0), 1, new Vec(0.9, 0.9, 0.95), 0.8);

    /** The orbiting balls' colours; each is a third of an orbit behind the one before. */
    private static final Vec[] BALL_COLOURS = {new Vec(0.9, 0.2, 0.15), new Vec(0.2, 0.75, 0.25), new Vec(0.2, 0.35, 0.95)};
    private static final double BALL_RADIUS = 0.45;
    private static final double ORBIT_RADIUS = 2.2;

    private RayTracer() {
    }

    /** Renders {@code frame}: its pixels as {@code 0xRRGGBB}, row by row, {@code frame.width()} per row. */
    public static int[] render(Frame frame) {
        double t = (double) frame.index() / frame.count();
        Sphere[] spheres = spheres(t);
        double angle = 2 * Math.PI * t;
        Vec eye = new Vec(CAMERA_RADIUS * Math.sin(angle), CAMERA_HEIGHT, -CAMERA_RADIUS * Math.cos(angle));
        Vec forward = LOOK_AT.minus(eye).normalized();
        Vec right = forward.cross(new Vec(0, 1, 0)).normalized();
        Vec up = right.cross(forward);
        double halfHeight = Math.tan(FIELD_OF_VIEW / 2);
        double halfWidth = halfHeight * frame.width() / frame.height();
        int n = frame.samples();
        int[] rgb = new int[frame.width() * frame.height()];
        for (int y = 0; y < frame.height(); y++) {
            for (int x = 0; x < frame.width(); x++) {
                double r = 0;
                double g = 0;
                double b = 0;
                for (int sy = 0; sy < n; sy++) {
                    for (int sx = 0; sx < n; sx++) {
                        double u = (2 * (x + (sx + 0.5) / n) / frame.width() - 1) * halfWidth;
                        double v = (1 - 2 * (y + (sy + 0.5) / n) / frame.height()) * halfHeight;
                        Vec direction = forward.plus(right.times(u)).plus(up.times(v)).normalized();
                        Vec c = trace(eye, direction, spheres, 0);
                        r += c.x();
                        g += c.y();
                        b += c.z();
                    }
                }
                double samples = n * n;
                rgb[y * frame.width() + x] = channel(r / samples) << 16 | channel(g / samples) << 8 | channel(b / samples);
            }
        }
        return rgb;
    }

    /** Renders {@code frame} and encodes it as a PNG file's bytes. */
    public static byte[] renderPng(Frame frame) {
        BufferedImage image = new BufferedImage(frame.width(), frame.height(), BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, frame.width(), frame.height(), render(frame), 0, frame.width());
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", png)) {
                throw new IllegalStateException("this Java runtime has no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    /** The spheres at time {@code t} (0 to 1 over the animation): the mirror, then the balls. */
    private static Sphere[] spheres(double t) {
        Sphere[] spheres = new Sphere[1 + BALL_COLOURS.length];
        spheres[0] = MIRROR;
        for (int i = 0; i < BALL_COLOURS.length; i++) {
            double phase = (double) i / BALL_COLOURS.length;
            // against the camera's orbit, so the balls sweep across the picture
            double around = -2 * Math.PI * (t + phase);
            // |sin| is a bounce: it touches the floor and leaves it again; whole periods per animation loop it
            double height = BALL_RADIUS + 0.9 * Math.abs(Math.sin(2 * Math.PI * (2 * t + phase)));
            Vec centre = new Vec(ORBIT_RADIUS * Math.cos(around), height, ORBIT_RADIUS * Math.sin(around));
            spheres[1 + i] = new Sphere(centre, BALL_RADIUS, BALL_COLOURS[i], 0.15);
        }
        return spheres;
    }

    private static Vec trace(Vec origin, Vec direction, Sphere[] spheres, int depth) {
        double nearest = Double.POSITIVE_INFINITY;
        Sphere hitSphere = null;
        for (Sphere s : spheres) {
            double d = s.intersect(origin, direction);
            if (d < nearest) {
                nearest = d;
                hitSphere = s;
            }
        }
        double floor = direction.y() < -EPSILON ? -origin.y() / direction.y() : Double.POSITIVE_INFINITY;
        if (floor < nearest && floor > EPSILON) {
            Vec point = origin.plus(direction.times(floor));
            boolean dark = (Math.floorMod((int) Math.floor(point.x()), 2) ^ Math.floorMod((int) Math.floor(point.z()), 2)) == 1;
            // the floor fades into the sky far away, so the horizon does not alias into a moire
            double fade = Math.min(1, floor / 30);
            Vec colour = dark ? new Vec(0.15, 0.15, 0.18) : new Vec(0.85, 0.85, 0.8);
            Vec lit = shade(point, new Vec(0, 1, 0), direction, colour, 0.25, spheres, depth);
            return lit.times(1 - fade).plus(sky(direction).times(fade));
        }
        if (hitSphere == null) {
            return sky(direction);
        }
        Vec point = origin.plus(direction.times(nearest));
        Vec normal = point.minus(hitSphere.centre()).times(1 / hitSphere.radius());
        return shade(point, normal, direction, hitSphere.colour(), hitSphere.reflectivity(), spheres, depth);
    }

    /** Diffuse and specular light from the one lamp unless something is in the way, plus the reflection. */
    private static Vec shade(Vec point, Vec normal, Vec incoming, Vec colour, double reflectivity, Sphere[] spheres, int depth) {
        Vec toLight = LIGHT.minus(point);
        double lightDistance = toLight.length();
        toLight = toLight.times(1 / lightDistance);
        Vec lifted = point.plus(normal.times(1e-4));
        double diffuse = Math.max(0, normal.dot(toLight));
        double specular = 0;
        if (diffuse > 0 && !blocked(lifted, toLight, lightDistance, spheres)) {
            Vec halfway = toLight.minus(incoming).normalized();
            specular = Math.pow(Math.max(0, normal.dot(halfway)), 60);
        } else {
            diffuse = 0;
        }
        Vec local = colour.times(0.12 + 0.88 * diffuse).plus(new Vec(1, 1, 1).times(0.5 * specular));
        if (depth >= MAX_DEPTH || reflectivity == 0) {
            return local;
        }
        Vec reflected = incoming.minus(normal.times(2 * incoming.dot(normal)));
        Vec mirrored = trace(lifted, reflected, spheres, depth + 1);
        return local.times(1 - reflectivity).plus(mirrored.times(reflectivity));
    }

    private static boolean blocked(Vec from, Vec direction, double distance, Sphere[] spheres) {
        for (Sphere s : spheres) {
            if (s.intersect(from, direction) < distance) {
                return true;
            }
        }
        return false;
    }

    /** A sky from pale at the horizon to deep blue overhead. */
    private static Vec sky(Vec direction) {
        double up = Math.max(0, direction.y());
        return new Vec(0.75, 0.85, 1.0).times(1 - up).plus(new Vec(0.2, 0.4, 0.85).times(up));
    }

    /** A linear intensity as an 8-bit channel, gamma-corrected and clamped. */
    private static int channel(double linear) {
        return (int) Math.round(255 * Math.pow(Math.min(1, Math.max(0, linear)), 1 / 2.2));
    }

    private record Vec(double x, double y, double z) {
        Vec plus(Vec o) {
            return new Vec(x + o.x, y + o.y, z + o.z);
        }

        Vec minus(Vec o) {
            return new Vec(x - o.x, y - o.y, z - o.z);
        }

        Vec times(double k) {
            return new Vec(x * k, y * k, z * k);
        }

        double dot(Vec o) {
            return x * o.x + y * o.y + z * o.z;
        }

        Vec cross(Vec o) {
            return new Vec(y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x);
        }

        double length() {
            return Math.sqrt(dot(this));
        }

        Vec normalized() {
            return times(1 / length());
        }
    }

    private record Sphere(Vec centre, double radius, Vec colour, double reflectivity) {
        /** The distance along the unit {@code direction} to the nearest hit in front of {@code origin}, or infinity. */
        double intersect(Vec origin, Vec direction) {
            Vec oc = origin.minus(centre);
            double b = oc.dot(direction);
            double c = oc.dot(oc) - radius * radius;
            double discriminant = b * b - c;
            if (discriminant < 0) {
                return Double.POSITIVE_INFINITY;
            }
            double root = Math.sqrt(discriminant);
            double near = -b - root;
            if (near > EPSILON) {
                return near;
            }
            double far = -b + root;
            return far > EPSILON ? far : Double.POSITIVE_INFINITY;
        }
    }
}
