package io.evbase.net.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.support.TestPki;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever the pieces the network cuts ciphertext into, and whatever the chunk size records straddle, both ends
 * see exactly the plaintext the other sent, in order, and no pooled chunk is left behind.
 */
class TlsCodecSplitsTest {

    static SSLContext serverContext;
    static SSLContext clientContext;

    @BeforeContainer
    static void pki() {
        TestPki.Issued ca = TestPki.authority("splits CA");
        serverContext = ca.server("localhost").context();
        clientContext = TestPki.trusting(ca.cert());
    }

    @Property(tries = 60)
    void plaintextSurvivesAnySplit(@ForAll("protocols") String protocol, @ForAll("chunkSizes") int chunkSize,
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 40_000) Integer> messages,
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 20_000) Integer> pieces,
            @ForAll long seed) {
        CodecPair p = new CodecPair(CodecPair.serverEngine(serverContext, protocol),
                CodecPair.clientEngine(clientContext, protocol), chunkSize);
        try {
            int[] cut = {0};
            Random random = new Random(seed);
            ByteArrayOutputStream sentUp = new ByteArrayOutputStream();
            ByteArrayOutputStream sentDown = new ByteArrayOutputStream();
            for (int size : messages) {
                byte[] up = new byte[size];
                random.nextBytes(up);
                p.client.write(up);
                sentUp.writeBytes(up);
                byte[] down = new byte[size / 2 + 1];
                random.nextBytes(down);
                p.server.write(down);
                sentDown.writeBytes(down);
                p.pump(() -> pieces.get(cut[0]++ % pieces.size()));
            }
            p.pump(() -> pieces.get(cut[0]++ % pieces.size()));
            assertThat(p.server.codec.failure()).isNull();
            assertThat(p.server.read()).isEqualTo(sentUp.toByteArray());
            assertThat(p.client.read()).isEqualTo(sentDown.toByteArray());
            assertThat(p.maxNetworkIn).isLessThanOrEqualTo(TlsCodec.NETWORK_IN_BOUND);
        } finally {
            p.release();
            assertThat(p.pool.inUseBytes()).isZero();
        }
    }

    @Provide
    Arbitrary<String> protocols() {
        return Arbitraries.of("TLSv1.3", "TLSv1.2");
    }

    @Provide
    Arbitrary<Integer> chunkSizes() {
        return Arbitraries.of(64, 1000, 16384);
    }
}
