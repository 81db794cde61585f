package dev.walship.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WalChecksumTest {
    private static final byte[] WORDS = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0};

    @Test
    void littleEndianWordsFollowTheDocumentedRecurrence() {
        // words 1,2,3,4: s0=0+1+0=1, s1=0+2+1=3; s0=1+3+3=7, s1=3+4+7=14
        WalChecksum ck = new WalChecksum(false, 0, 0).update(WORDS, 0, 16);
        assertEquals(7, ck.s0());
        assertEquals(14, ck.s1());
    }

    @Test
    void bigEndianReadsTheSameBytesAsOtherWords() {
        // words 0x01000000, 0x02000000, 0x03000000, 0x04000000: the same recurrence scaled by 2^24
        WalChecksum ck = new WalChecksum(true, 0, 0).update(WORDS, 0, 16);
        assertEquals(7 << 24, ck.s0());
        assertEquals(14 << 24, ck.s1());
    }

    @Test
    void continuingFromAStateEqualsOnePass() {
        byte[] data = new byte[4096];
        new Random(1).nextBytes(data);
        for (boolean be : new boolean[] {false, true}) {
            WalChecksum whole = new WalChecksum(be, 11, 22).update(data, 0, data.length);
            WalChecksum first = new WalChecksum(be, 11, 22).update(data, 0, 1000);
            WalChecksum rest = new WalChecksum(be, first.s0(), first.s1()).update(data, 1000, data.length - 1000);
            assertEquals(whole.s0(), rest.s0());
            assertEquals(whole.s1(), rest.s1());
        }
    }

    @Test
    void wrapsAroundAt32Bits() {
        byte[] ff = new byte[8];
        Arrays.fill(ff, (byte) 0xff);
        WalChecksum ck = new WalChecksum(false, 0, 0).update(ff, 0, 8);
        assertEquals(-1, ck.s0()); // 0xffffffff
        assertEquals(-2, ck.s1()); // 0xffffffff + 0xffffffff mod 2^32
    }

    @Test
    void rejectsLengthsThatAreNotWholeWordPairs() {
        assertThrows(IllegalArgumentException.class, () -> new WalChecksum(false, 0, 0).update(WORDS, 0, 12));
    }
}
