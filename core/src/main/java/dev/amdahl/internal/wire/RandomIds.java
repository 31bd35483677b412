package dev.amdahl.internal.wire;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random version 4 UUIDs, as {@link UUID#randomUUID()} makes them and from the same source (the system's, so a task id
 * cannot be guessed from the ones before it), but fetched for several ids at once per thread: {@code randomUUID} takes
 * the one shared generator's lock and reads the system's source once per id, which cost a submit more than encoding
 * its message.
 *
 * <p>Where the system has {@code /dev/urandom} its bytes are read as they are. The default {@link SecureRandom} on
 * Linux and macOS (NativePRNG) reads the same device and then mixes every byte with SHA1PRNG's output, a SHA-1
 * digest per 20 bytes: a quarter of a submission's time, for nothing the kernel's generator lacks. Elsewhere, or if the
 * device cannot be read, the default {@link SecureRandom} fills the buffer.
 *
 * <p>Invariant: every byte of the per-thread buffer is used for at most one id; the buffer is refilled whole when its
 * bytes are used up.
 */
final class RandomIds {

    /** Ids per refill: one read of 1 KiB, little for a thread that submits once (a virtual thread). */
    private static final int IDS_PER_FILL = 64;
    private static final SecureRandom FALLBACK = new SecureRandom();
    /** The system's source, or {@code null} where it has none to read. */
    private static final FileInputStream URANDOM = urandom();
    private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

    private static FileInputStream urandom() {
        File device = new File("/dev/urandom");
        if (!device.exists()) {
            return null;
        }
        try {
            return new FileInputStream(device);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** {@code bytes} filled from the system's source, or from the default {@link SecureRandom} when it cannot be read. */
    private static void fill(byte[] bytes) {
        if (URANDOM != null) {
            try {
                int n = 0;
                while (n < bytes.length) {
                    int read = URANDOM.read(bytes, n, bytes.length - n);
                    if (read < 0) {
                        throw new IOException("end of /dev/urandom");
                    }
                    n += read;
                }
                return;
            } catch (IOException e) {
                // filled whole below: no byte of a partial read is used
            }
        }
        FALLBACK.nextBytes(bytes);
    }

    private RandomIds() {
    }

    private static final class Buffer {
        final byte[] bytes = new byte[16 * IDS_PER_FILL];
        int at = bytes.length;
    }

    static String next() {
        Buffer b = BUFFERS.get();
        if (b.at == b.bytes.length) {
            fill(b.bytes);
            b.at = 0;
        }
        byte[] r = b.bytes;
        int i = b.at;
        b.at += 16;
        long msb = 0;
        long lsb = 0;
        for (int k = 0; k < 8; k++) {
            msb = (msb << 8) | (r[i + k] & 0xff);
            lsb = (lsb << 8) | (r[i + 8 + k] & 0xff);
        }
        // what UUID.randomUUID sets: version 4 in the time_hi field, the IETF variant in clock_seq
        msb = (msb & ~0xF000L) | 0x4000L;
        lsb = (lsb & ~(0xC0L << 56)) | (0x80L << 56);
        // zero the bytes used, so that a thread's buffer never holds ids already handed out
        java.util.Arrays.fill(r, i, i + 16, (byte) 0);
        return new UUID(msb, lsb).toString();
    }
}
