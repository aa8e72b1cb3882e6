package io.evbase.net.tls;

import java.nio.ByteBuffer;

/**
 * Scratch space one loop's {@link TlsCodec}s share, which run one at a time on that loop's thread: the whole TLS
 * records copied out of a connection's ciphertext chain for the engine (a record may straddle pooled chunks), the
 * plaintext the engine decrypts before it is appended to the connection's input, and the record the engine
 * encrypts before it is appended to the connection's ciphertext output.
 *
 * <p>Nothing stays here between two calls into a codec, so a connection holds no memory outside its pooled chains
 * (and its engine's own state), and a loop holds these three buffers whatever its number of TLS connections.
 *
 * <p>Threading: one instance per loop, used only by that loop's thread.
 */
public final class TlsStaging {

    private static final ThreadLocal<TlsStaging> PER_THREAD = ThreadLocal.withInitial(TlsStaging::new);

    /** Room for three records of the largest size, so a burst of small records decrypts in one pass. */
    static final int RECORDS_IN = 3 * TlsCodec.MAX_RECORD;
    /** Largest buffer the engine may ask for (JDK's large-record packet size is 33,093 bytes). */
    private static final int MAX_GROWTH = 64 * 1024;

    private final ByteBuffer recordsIn = ByteBuffer.allocate(RECORDS_IN);
    private ByteBuffer plainOut = ByteBuffer.allocate(TlsCodec.MAX_RECORD);
    private ByteBuffer recordOut = ByteBuffer.allocate(TlsCodec.MAX_RECORD + 1024);

    /** The staging area of the calling thread (a loop's, for the codecs of that loop's connections). */
    public static TlsStaging ofThisThread() {
        return PER_THREAD.get();
    }

    /** The whole records to decrypt, copied into {@link ByteBuffer#array()}. */
    ByteBuffer recordsIn() {
        return recordsIn;
    }

    /** Where the engine decrypts one record to. */
    ByteBuffer plainOut() {
        return plainOut;
    }

    /** Where the engine encrypts one record to. */
    ByteBuffer recordOut() {
        return recordOut;
    }

    /** Makes {@link #plainOut()} at least {@code size} bytes; false if that is beyond any sane record. */
    boolean growPlainOut(int size) {
        if (size <= plainOut.capacity() || size > MAX_GROWTH) {
            return false;
        }
        plainOut = ByteBuffer.allocate(size);
        return true;
    }

    /** Makes {@link #recordOut()} at least {@code size} bytes; false if that is beyond any sane record. */
    boolean growRecordOut(int size) {
        if (size <= recordOut.capacity() || size > MAX_GROWTH) {
            return false;
        }
        recordOut = ByteBuffer.allocate(size);
        return true;
    }
}
