package io.evbase.protocol.memcache;

import io.evbase.buffer.BufferChain;

/**
 * The flags a meta reply echoes, in the order the request gave them: {@code O} (opaque, verbatim) and {@code k}
 * (the key) on every reply; on a hit also the item's {@code s} (size), {@code t} (TTL), {@code c} (CAS),
 * {@code f} (client flags), {@code l} (seconds since the last access) and {@code h} (hit before). {@link #plan}
 * notes the flags of a request; the command fills in the figures and {@link #write} writes the echo once, whatever
 * the command. An {@code ms} plans when its line arrives and writes once its data block is stored: a connection
 * runs no other command in between, so one instance serves every command of a connection.
 *
 * <p>Threading: one instance per connection, on its loop thread.
 */
final class MetaEcho {

    /** Flags echoed on every reply. */
    static final String ALWAYS = "Ok";

    private final byte[] order = new byte[Tokenizer.MAX_TOKENS];
    private final byte[][] opaques = new byte[Tokenizer.MAX_TOKENS][];
    private final int[] tokenIndex = new int[Tokenizer.MAX_TOKENS];
    /**
     * By token index: the expiry to report for a {@code t} token, the one in force when the request reached it (the
     * command fills it in).
     */
    final long[] expiryAt = new long[Tokenizer.MAX_TOKENS];
    private int count;

    // the figures, filled in by the command
    long now;
    long cas;
    int flags;
    int size;
    long lastAccess;
    boolean hitBefore;
    byte[] key;
    boolean keyBinary;

    /**
     * Notes the flags among tokens {@code [first, last)} of {@code line} whose letter is in {@code echoed}, and
     * returns their count. The opaque tokens are copied (an {@code ms} line does not outlive its command).
     */
    int plan(byte[] line, Tokenizer tok, int first, int last, String echoed) {
        count = 0;
        for (int i = first; i < last; i++) {
            byte f = line[tok.start[i]];
            if (echoed.indexOf(f) < 0) {
                continue;
            }
            order[count] = f;
            tokenIndex[count] = i;
            if (f == 'O') {
                byte[] o = opaques[count];
                if (o == null || o.length != tok.length[i]) {
                    o = new byte[tok.length[i]];
                    opaques[count] = o;
                }
                System.arraycopy(line, tok.start[i], o, 0, o.length);
            }
            count++;
        }
        return count;
    }

    /** Writes the planned flags whose letter is in {@code shown}, each with its leading space. */
    void write(BufferChain out, String shown) {
        for (int i = 0; i < count; i++) {
            byte f = order[i];
            if (shown.indexOf(f) < 0) {
                continue;
            }
            switch (f) {
                case 'O' -> out.write((byte) ' ').write(opaques[i]);
                case 'k' -> {
                    out.write((byte) ' ').write((byte) 'k');
                    if (keyBinary) {
                        out.writeAscii(Base64Keys.encode(key)).write((byte) ' ').write((byte) 'b');
                    } else {
                        out.write(key);
                    }
                }
                case 's' -> out.write((byte) ' ').write((byte) 's').writeUnsignedDecimal(size);
                case 't' -> {
                    out.write((byte) ' ').write((byte) 't');
                    long exp = expiryAt[tokenIndex[i]];
                    if (exp == 0) {
                        out.write((byte) '-').write((byte) '1');
                    } else {
                        out.writeUnsignedDecimal((exp - now) & 0xffffffffL); // itoa_u32
                    }
                }
                case 'c' -> out.write((byte) ' ').write((byte) 'c').writeUnsignedDecimal(cas);
                case 'f' -> out.write((byte) ' ').write((byte) 'f').writeUnsignedDecimal(Integer.toUnsignedLong(flags));
                case 'l' -> out.write((byte) ' ').write((byte) 'l').writeUnsignedDecimal((now - lastAccess) & 0xffffffffL);
                case 'h' -> out.write((byte) ' ').write((byte) 'h').write((byte) (hitBefore ? '1' : '0'));
                default -> throw new IllegalStateException("flag " + (char) f);
            }
        }
    }
}
