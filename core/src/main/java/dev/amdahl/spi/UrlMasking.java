package dev.amdahl.spi;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides the passwords of URLs, for every message, log line and {@code toString} that shows a broker or
 * backend URL: {@code redis://app:s3cret@host:6379} becomes {@code redis://app:****@host:6379}, and a
 * user-info without a colon ({@code redis://s3cret@host}, which Redis reads as a password) becomes
 * {@code ****}. Providers use it on whatever URL they put in an error.
 *
 * <pre>{@code
 * throw new IllegalArgumentException("cannot open " + UrlMasking.mask(uri) + ": " + reason);
 * }</pre>
 *
 * <p>The user-info is everything between {@code //} and the last {@code @} before the path, as a URL
 * parser reads it; a password that holds {@code /}, {@code ?} or {@code #} must be percent-encoded anyway.
 */
public final class UrlMasking {

    /** What a password is shown as. */
    public static final String MASK = "****";

    // scheme://userinfo@ anywhere in the text; the user-info greedy up to the authority's last '@'
    private static final Pattern USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^\\s/?#\"'<>]*)@");

    private UrlMasking() {
    }

    /** {@code text} with the password of every URL in it masked; {@code null} stays {@code null}. */
    public static String mask(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        Matcher m = USER_INFO.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String userInfo = m.group(2);
            int colon = userInfo.indexOf(':');
            String masked = colon < 0 ? MASK : userInfo.substring(0, colon + 1) + MASK;
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + masked + "@"));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code uri} as text, its password masked. */
    public static String mask(URI uri) {
        return uri == null ? null : mask(uri.toString());
    }
}
