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
 * <p>The user-info is everything between {@code //} and the last {@code @} before the path, as a URL parser
 * reads it. Users also write passwords that hold {@code /}, {@code ?}, {@code #} or a space without
 * percent-encoding them ({@code redis://:pa#ss@host}); a parser would read a host and a path there, but since
 * what comes before the first such character is no {@code host:port} (the port is not a number), it is masked
 * too, up to the {@code @}.
 */
public final class UrlMasking {

    /** What a password is shown as. */
    public static final String MASK = "****";

    // scheme://userinfo@ anywhere in the text; the user-info greedy up to the line's last '@'
    private static final Pattern USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^\\s/?#\"'<>]*)@");
    // scheme://user:pass@ whose password holds '/', '?', '#' or spaces: up to the first '@' of the line
    private static final Pattern LOOSE_USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^\\r\\n\"'<>@]*?)@");
    private static final Pattern HOST_PORT = Pattern.compile("[^:]*(:[0-9]*)?");

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
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + masked(m.group(2)) + "@"));
        }
        m.appendTail(out);
        Matcher loose = LOOSE_USER_INFO.matcher(out);
        StringBuilder result = new StringBuilder(out.length());
        while (loose.find()) {
            String userInfo = loose.group(2);
            int special = firstOf(userInfo, "/?# \t");
            boolean password = special >= 0 && !userInfo.contains("://") && userInfo.indexOf(':') >= 0
                    && userInfo.indexOf(':') < special && !HOST_PORT.matcher(userInfo.substring(0, special)).matches();
            loose.appendReplacement(result, Matcher.quoteReplacement(loose.group(1) + (password ? masked(userInfo) : userInfo) + "@"));
        }
        loose.appendTail(result);
        return result.toString();
    }

    private static String masked(String userInfo) {
        int colon = userInfo.indexOf(':');
        return colon < 0 ? MASK : userInfo.substring(0, colon + 1) + MASK;
    }

    private static int firstOf(String text, String chars) {
        for (int i = 0; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** {@code uri} as text, its password masked. */
    public static String mask(URI uri) {
        return uri == null ? null : mask(uri.toString());
    }
}
