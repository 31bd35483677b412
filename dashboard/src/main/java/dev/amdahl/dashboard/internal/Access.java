package dev.amdahl.dashboard.internal;

import com.sun.net.httpserver.HttpExchange;
import java.net.HttpCookie;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Who may use the dashboard, and the CSRF guard of its actions.
 *
 * <p>Invariants: with a token or credentials set, {@link #authenticated} is checked before any route runs (static
 * assets and {@code /metrics} included); secrets are compared in constant time and never logged; the CSRF token is
 * random per process, put in the page and in a {@code SameSite=Strict} cookie, and a POST is refused unless its
 * {@code X-CSRF-Token} header carries it and its {@code Origin}, when sent, is this server's.
 */
public final class Access {

    /** The cookie a token login sets, so that the page's own requests (and its event stream) carry the token. */
    static final String SESSION_COOKIE = "amdahl_dashboard_session";
    static final String CSRF_COOKIE = "amdahl_dashboard_csrf";
    static final String CSRF_HEADER = "X-CSRF-Token";

    private final String token;
    private final String user;
    private final String password;
    private final String csrf;
    private final boolean loopbackOnly;

    /**
     * @param token        a bearer token, or null
     * @param user         the basic-auth user, or null
     * @param password     the basic-auth password, or null
     * @param loopbackOnly whether the server listens on loopback only: then, without auth, requests must name a
     *                     loopback host, so that a web page elsewhere cannot reach it by DNS rebinding
     */
    public Access(String token, String user, String password, boolean loopbackOnly) {
        this.token = token;
        this.user = user;
        this.password = password;
        this.loopbackOnly = loopbackOnly;
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.csrf = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    public boolean enabled() {
        return token != null || user != null;
    }

    String csrfToken() {
        return csrf;
    }

    boolean usesToken() {
        return token != null;
    }

    /** Whether the request names a host this server may answer for (see the constructor). */
    boolean hostAllowed(HttpExchange ex) {
        if (enabled() || !loopbackOnly) {
            return true;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return false;
        }
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        name = name.toLowerCase(Locale.ROOT);
        return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
    }

    boolean authenticated(HttpExchange ex) {
        if (!enabled()) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (token != null) {
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && same(header.substring(7).trim(), token)) {
                return true;
            }
            String cookie = cookie(ex, SESSION_COOKIE);
            return cookie != null && same(cookie, token);
        }
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                // both compared, whatever the first says, so that timing tells nothing
                return colon > 0 & same(decoded.substring(0, colon), user) & same(decoded.substring(colon + 1), password);
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
        }
        return false;
    }

    boolean tokenMatches(String given) {
        return token != null && given != null && same(given, token);
    }

    /** Why a state-changing request is refused, or null when it carries the CSRF token from this server's page. */
    String csrfRefusal(HttpExchange ex) {
        String given = ex.getRequestHeaders().getFirst(CSRF_HEADER);
        if (given == null || !same(given, csrf)) {
            return "missing or wrong " + CSRF_HEADER + " header: actions are sent by the dashboard's page, which carries it";
        }
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        if (origin != null && host != null && !origin.equals("null")) {
            String originHost = origin.replaceFirst("^[a-zA-Z]+://", "");
            if (!originHost.equalsIgnoreCase(host)) {
                return "the request comes from another site (Origin " + origin + ")";
            }
        }
        return null;
    }

    static String cookie(HttpExchange ex, String name) {
        List<String> headers = ex.getRequestHeaders().get("Cookie");
        if (headers == null) {
            return null;
        }
        for (String h : headers) {
            for (String part : h.split(";")) {
                try {
                    for (HttpCookie c : HttpCookie.parse(part.trim())) {
                        if (c.getName().equals(name)) {
                            return c.getValue();
                        }
                    }
                } catch (IllegalArgumentException ignored) {
                    // a malformed cookie of some other site's: not ours
                }
            }
        }
        return null;
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
