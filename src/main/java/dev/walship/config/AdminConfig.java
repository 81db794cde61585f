package dev.walship.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Where the admin HTTP API (health, metrics, status) listens, and the bearer token its mutating endpoints require.
 *
 * <p>Deciding whether an address is loopback never touches DNS (configuration is checked before anything runs, and
 * a lookup could hang): {@code 127.0.0.0/8}, {@code ::1} and {@code localhost} are loopback, every other host name
 * counts as reachable from outside and so needs a token.
 *
 * @param host  an IPv4 literal, an IPv6 literal (without brackets) or a host name; null when the API is off
 * @param port  0-65535 (0 picks a free port; tests use it)
 * @param token the bearer token (from {@code admin-token-file}), or null; required unless {@code host} is loopback
 */
public record AdminConfig(String host, int port, Secret token) {
    /** The admin API switched off ({@code admin-listen: off}). */
    public static final AdminConfig OFF = new AdminConfig(null, 0, null);
    /** Tokens are compared as bytes; shorter ones could be guessed. */
    static final int MIN_TOKEN_LENGTH = 16;
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    public AdminConfig {
        Problems p = new Problems();
        if (host != null) {
            p.check(Keys.ADMIN_LISTEN, checkHost(host));
            p.check(Keys.ADMIN_LISTEN, port < 0 || port > 65535 ? "port must be 0-65535" : null);
            if (p.isEmpty()) p.check(Keys.ADMIN_LISTEN, Rules.adminAccess(isLoopback(host), token != null));
        }
        p.throwUncheckedIfAny();
    }

    /** The default: {@link Defaults#ADMIN_LISTEN}, no token. */
    public static AdminConfig defaults() {
        return parse(Defaults.ADMIN_LISTEN, null);
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port} or {@code off} ({@code false} too: YAML reads a bare off as
     * false), and applies the loopback-or-token rule.
     *
     * @throws IllegalArgumentException "what (how to fix)", quoting the text
     */
    public static AdminConfig parse(String listen, Secret token) {
        String t = listen.strip();
        if (t.equalsIgnoreCase("off") || t.equalsIgnoreCase("false")) return OFF;
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("\"" + t + "\" is not host:port (e.g. 127.0.0.1:9090, or off)");
        }
        String host = t.substring(0, colon);
        String portText = t.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            host = host.substring(1, host.length() - 1);
            if (!host.contains(":")) {
                throw new IllegalArgumentException("\"" + t + "\": brackets are only for IPv6 addresses (e.g. [::1]:9090)");
            }
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("\"" + t + "\": write an IPv6 address in brackets (e.g. [::1]:9090)");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("\"" + t + "\" has no host (e.g. 127.0.0.1:9090; 0.0.0.0:9090 listens on"
                    + " every interface and needs admin-token-file)");
        }
        if (!portText.matches("\\d{1,5}") || Integer.parseInt(portText) > 65535) {
            throw new IllegalArgumentException("\"" + t + "\" has no valid port (use 0-65535, e.g. 127.0.0.1:9090)");
        }
        String bad = checkHost(host);
        if (bad != null) throw new IllegalArgumentException("\"" + t + "\": " + bad);
        bad = Rules.adminAccess(isLoopback(host), token != null);
        if (bad != null) throw new IllegalArgumentException("\"" + t + "\" is " + bad);
        return new AdminConfig(host, Integer.parseInt(portText), token);
    }

    /** A token as written in admin-token(-file): at least 16 printable ASCII characters, no spaces. */
    static Secret token(String text) {
        if (text.length() < MIN_TOKEN_LENGTH || !text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("must be at least " + MIN_TOKEN_LENGTH + " printable ASCII characters"
                    + " without spaces (generate one with: openssl rand -hex 32)");
        }
        return new Secret(text.getBytes(StandardCharsets.US_ASCII));
    }

    public boolean enabled() {
        return host != null;
    }

    /** As written in sidecar.yml: {@code host:port}, {@code [ipv6]:port} or {@code off}. */
    public String listen() {
        if (host == null) return "off";
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** True for 127.0.0.0/8, ::1 (and ::ffff:127.x) and the name localhost; decided without DNS. */
    public boolean loopback() {
        return host != null && isLoopback(host);
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) return true;
        if (IPV4.matcher(host).matches()) return host.startsWith("127.");
        if (host.contains(":") && IPV6.matcher(host).matches()) {
            try {
                return InetAddress.getByName(host).isLoopbackAddress(); // a literal: no lookup
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** Null when {@code host} is an IP literal or a syntactically valid host name. */
    private static String checkHost(String host) {
        if (IPV4.matcher(host).matches()) return null;
        if (host.contains(":")) {
            if (IPV6.matcher(host).matches()) {
                try {
                    InetAddress.getByName(host); // starts with a hex digit or ':', so parsed as a literal, never looked up
                    return null;
                } catch (UnknownHostException e) {
                    // fall through
                }
            }
            return "invalid IPv6 address (e.g. [::1]:9090)";
        }
        if (HOST_NAME.matcher(host).matches() && host.length() <= 253 && !host.matches(".*\\.\\d+|\\d+")) return null;
        return "invalid host (use an IP address such as 127.0.0.1, or a host name)";
    }
}
