package io.evbase.hardening;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What {@link RequestReplyHandler} must answer to a byte stream, computed without the server: each line (LF-ended,
 * an optional CR before it dropped) within the maximum length gets {@code OK <line>\r\n}; at the first line with no
 * LF within the maximum length, {@code ERROR line too long\r\n} and the server closes; a last partial line shorter
 * than that gets nothing. However the stream is split across reads, the answer is the same.
 */
final class LineModel {

    static final byte[] TOO_LONG = "ERROR line too long\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * The expected reply stream and whether the server closes on its own (a line too long).
     *
     * @param lookedAt bytes of the stream the server looks at: all of it, or up to the end of the line too long
     */
    record Expected(byte[] replies, boolean serverCloses, int requests, int lookedAt) {
    }

    private LineModel() {
    }

    static Expected expected(byte[] in, int maxLine) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 4);
        int pos = 0;
        int requests = 0;
        while (pos < in.length) {
            int limit = Math.min(in.length, pos + maxLine);
            int lf = -1;
            for (int i = pos; i < limit; i++) {
                if (in[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf < 0) {
                if (in.length - pos >= maxLine) {
                    out.writeBytes(TOO_LONG);
                    return new Expected(out.toByteArray(), true, requests + 1, pos + maxLine);
                }
                break; // a partial last line: no reply
            }
            int end = lf > pos && in[lf - 1] == '\r' ? lf - 1 : lf;
            out.writeBytes("OK ".getBytes(StandardCharsets.US_ASCII));
            out.write(in, pos, end - pos);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            requests++;
            pos = lf + 1;
        }
        return new Expected(out.toByteArray(), false, requests, in.length);
    }
}
