package io.evbase.boot;

import io.evbase.loop.LoadHistory;
import io.evbase.loop.LoopSampler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.util.MimeType;

/**
 * The live view of the {@code reactor} endpoint: {@code GET /actuator/reactor/view} answers one self-contained HTML
 * page (inline script and style, nothing fetched from elsewhere) that reads the endpoint's own JSON once a second,
 * and {@code GET /actuator/reactor/history?since=n} answers the loops' load second by second over the last minutes
 * ({@link LoadHistory}), so that a freshly opened page draws the recent past at once. Both are parts of the endpoint,
 * so they follow its exposure and access settings and are absent when it is.
 *
 * <p>Threading: thread-safe; the page is read from the jar once and shared.
 */
final class EvbaseView {

    /** The page, beside this class in the jar. */
    static final String PAGE = "view.html";
    static final MimeType HTML = MimeType.valueOf("text/html;charset=UTF-8");

    private final LoopSampler sampler;
    private volatile byte[] page;

    EvbaseView(LoopSampler sampler) {
        this.sampler = sampler;
    }

    /** The page, as an endpoint response with its own content type. */
    WebEndpointResponse<byte[]> page() {
        return new WebEndpointResponse<>(html(), WebEndpointResponse.STATUS_OK, HTML);
    }

    /** The loops' load history after point {@code since} (all of it when absent). */
    HistoryDescriptor history(@Nullable Long since) {
        LoadHistory history = sampler.history();
        LoadHistory.Points points = history.since(since == null ? 0 : since);
        List<LoopHistoryDescriptor> loops = new ArrayList<>();
        for (int i = 0; i < sampler.loops().size(); i++) {
            float[] ratios = points.loop(i);
            double[] busy = new double[ratios.length];
            for (int k = 0; k < ratios.length; k++) {
                busy[k] = EvbaseEndpoint.round(ratios[k], 3);
            }
            loops.add(new LoopHistoryDescriptor(sampler.loops().get(i).id(), busy));
        }
        return new HistoryDescriptor(history.period().toMillis(), history.capacity(), points.first(), points.last(),
                loops);
    }

    private byte[] html() {
        byte[] bytes = page;
        if (bytes == null) {
            try (InputStream in = EvbaseView.class.getResourceAsStream(PAGE)) {
                if (in == null) {
                    throw new IllegalStateException(PAGE + " is missing beside " + EvbaseView.class.getName());
                }
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            page = bytes;
        }
        return bytes;
    }

    /**
     * The loops' busy ratio, one point per {@code period}, oldest first.
     *
     * @param period   wall time per point, in milliseconds
     * @param capacity points kept per loop at most
     * @param first    the number of the first point listed (points are numbered from 1 as they are taken; when
     *                 none is listed, the number the next one will have)
     * @param last     the number of the newest point: ask {@code ?since=last} next time for the newer ones only
     * @param loops    the points of each loop
     */
    public record HistoryDescriptor(long period, int capacity, long first, long last,
            List<LoopHistoryDescriptor> loops) implements OperationResponseBody {
    }

    /**
     * @param id   the loop's id
     * @param busy share of wall time spent working, per point (0 to 1)
     */
    public record LoopHistoryDescriptor(int id, double[] busy) {
    }
}
