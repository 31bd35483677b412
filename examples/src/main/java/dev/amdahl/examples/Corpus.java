package dev.amdahl.examples;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The word count's text: generated, so that the same seed gives the same few megabytes on every machine
 * with nothing to download. Words are drawn with Zipf's law (the r-th commonest word turns up about
 * 1/r as often as the commonest), as in real prose: a hundred common English words lead, and a long tail of
 * made-up words follows. Sentences start with a capital and end with a full stop; lines wrap at 72 columns.
 *
 * <pre>{@code
 * String text = Corpus.generate(4_000_000, 42);
 * List<TextChunk> chunks = Corpus.chunks(text, 32);    // split between words
 * }</pre>
 */
public final class Corpus {

    /** How many distinct words the text draws from. */
    static final int VOCABULARY = 20_000;

    private static final String[] COMMON = (
            "the of and to a in is that it for as with was on be by this are from at or an which not but have "
            + "can one all their more each time when there so if will work what we they its into only than other "
            + "task tasks worker workers machine machines memory process processes thread threads data result "
            + "results queue message messages broker network parallel distributed computer computers frame frames "
            + "photo photos picture core cores serial speedup law many some most also same two first after before "
            + "while faster slower wait waits send sends runs run part parts whole").split(" ");

    private static final String[] SYLLABLES = {
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ba", "de", "fi", "go", "ha", "ju", "ke", "li", "ma", "no",
        "pe", "ri", "so", "tu", "va", "we", "zo", "an", "el", "in", "or", "us",
    };

    private Corpus() {
    }

    /** About {@code bytes} characters of text (a little more: the last sentence is finished), from {@code seed}. */
    public static String generate(long bytes, long seed) {
        if (bytes < 1 || bytes > 512L * 1024 * 1024) {
            throw new IllegalArgumentException("a corpus must be 1 byte to 512 MiB, was " + bytes);
        }
        SplittableRandom random = new SplittableRandom(seed);
        String[] words = vocabulary(random.split());
        double[] cumulative = zipf(words.length);
        StringBuilder text = new StringBuilder((int) bytes + 200);
        int column = 0;
        while (text.length() < bytes) {
            int length = 6 + random.nextInt(12);
            for (int w = 0; w < length; w++) {
                String word = words[draw(cumulative, random.nextDouble())];
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                }
                String piece = w == length - 1 ? word + "." : w > 2 && random.nextInt(9) == 0 ? word + "," : word;
                if (column > 0 && column + 1 + piece.length() > 72) {
                    text.append('\n');
                    column = 0;
                } else if (column > 0) {
                    text.append(' ');
                    column++;
                }
                text.append(piece);
                column += piece.length();
            }
        }
        return text.append('\n').toString();
    }

    /**
     * Splits {@code text} into {@code count} chunks of nearly equal length, each ending at a line break or
     * space so that no word is cut in two. Concatenated, the chunks are the text.
     */
    public static List<TextChunk> chunks(String text, int count) {
        if (count < 1 || count > text.length()) {
            throw new IllegalArgumentException("cannot split " + text.length() + " characters into " + count
                    + " chunks: need at least 1 chunk and 1 character per chunk");
        }
        List<TextChunk> chunks = new ArrayList<>(count);
        int from = 0;
        for (int i = 0; i < count; i++) {
            int to = i == count - 1 ? text.length() : (int) ((long) text.length() * (i + 1) / count);
            while (to < text.length() && to > from && !Character.isWhitespace(text.charAt(to - 1))) {
                to++;
            }
            to = Math.max(to, from);
            chunks.add(new TextChunk(i, text.substring(from, to)));
            from = to;
        }
        return chunks;
    }

    /** The commonest words first; the tail is made of two to four syllables, none repeated. */
    private static String[] vocabulary(SplittableRandom random) {
        List<String> words = new ArrayList<>(List.of(COMMON));
        Set<String> seen = new HashSet<>(words);
        while (words.size() < VOCABULARY) {
            StringBuilder word = new StringBuilder();
            int syllables = 2 + random.nextInt(3);
            for (int s = 0; s < syllables; s++) {
                word.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            if (seen.add(word.toString())) {
                words.add(word.toString());
            }
        }
        return words.toArray(String[]::new);
    }

    /** The cumulative Zipf distribution over ranks 1..n: entry r-1 is P(rank <= r). */
    private static double[] zipf(int n) {
        double[] cumulative = new double[n];
        double sum = 0;
        for (int r = 1; r <= n; r++) {
            sum += 1.0 / r;
            cumulative[r - 1] = sum;
        }
        for (int i = 0; i < n; i++) {
            cumulative[i] /= sum;
        }
        return cumulative;
    }

    private static int draw(double[] cumulative, double u) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
