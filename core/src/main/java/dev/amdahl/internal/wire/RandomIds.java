package dev.amdahl.internal.wire;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random version 4 UUIDs, as {@link UUID#randomUUID()} makes them and from the same kind of source (a
 * {@link SecureRandom}, so a task id cannot be guessed from the ones before it), but fetched for several ids at once per
 * thread: {@code randomUUID} takes the one shared generator's lock and reads the system's source once per id, which cost
 * a submit more than encoding its message.
 *
 * <p>Invariant: every byte of the per-thread buffer is used for at most one id; the buffer is refilled whole, from the
 * shared generator, when its bytes are used up.
 */
final class RandomIds {

    /** Ids per refill: few enough that a thread submitting once (a virtual thread) fetches little for nothing. */
    private static final int IDS_PER_FILL = 64;
    private static final SecureRandom SOURCE = new SecureRandom();
    private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

    private RandomIds() {
    }

    private static final class Buffer {
        final byte[] bytes = new byte[16 * IDS_PER_FILL];
        int at = bytes.length;
    }

    static String next() {
        Buffer b = BUFFERS.get();
        if (b.at == b.bytes.length) {
            SOURCE.nextBytes(b.bytes);
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
