package dev.walship.hooks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walship.config.Secret;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BearerAuthTest {
    private static final Secret TOKEN = new Secret("s3cr3t-token-0123456789".getBytes(StandardCharsets.US_ASCII));

    @Test
    void acceptsExactlyTheConfiguredToken() {
        assertTrue(BearerAuth.authorized("Bearer s3cr3t-token-0123456789", TOKEN));
        assertTrue(BearerAuth.authorized("bearer s3cr3t-token-0123456789", TOKEN), "the scheme is case-insensitive");
        assertTrue(BearerAuth.authorized("  BEARER   s3cr3t-token-0123456789  ", TOKEN));
    }

    @Test
    void refusesEverythingElse() {
        assertFalse(BearerAuth.authorized(null, TOKEN));
        assertFalse(BearerAuth.authorized("", TOKEN));
        assertFalse(BearerAuth.authorized("Bearer", TOKEN));
        assertFalse(BearerAuth.authorized("Bearer ", TOKEN));
        assertFalse(BearerAuth.authorized("Bearer s3cr3t-token-012345678", TOKEN), "a prefix");
        assertFalse(BearerAuth.authorized("Bearer s3cr3t-token-01234567890", TOKEN), "longer");
        assertFalse(BearerAuth.authorized("Bearer S3CR3T-TOKEN-0123456789", TOKEN), "the token is case-sensitive");
        assertFalse(BearerAuth.authorized("Basic s3cr3t-token-0123456789", TOKEN));
        assertFalse(BearerAuth.authorized("s3cr3t-token-0123456789", TOKEN));
        assertFalse(BearerAuth.authorized("Bearers3cr3t-token-0123456789", TOKEN));
        assertFalse(BearerAuth.authorized("Bearer s3cr3t-token-0123456789", null), "no token configured: nobody");
        assertFalse(BearerAuth.authorized("Bearer ", new Secret(new byte[0])), "an empty token never matches nothing");
    }
}
