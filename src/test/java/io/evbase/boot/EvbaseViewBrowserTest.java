package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.EvbaseTestApplication;
import com.jayway.jsonpath.JsonPath;
import io.evbase.net.Server;
import io.evbase.support.Clients;
import io.evbase.support.HeadlessChromium;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;

/**
 * The live view ({@code /actuator/reactor/view}) in a real browser: Debian's Chromium, headless, started by this
 * test and driven over the DevTools protocol ({@link HeadlessChromium}), against a real server with four loops, an
 * echo listener, a memcache listener and a {@code holding} listener whose handler blocks its loop until the test
 * lets go. What the test reads is what the page shows (its DOM and canvas), never the endpoint's JSON in its place.
 *
 * <p>Runs only where a browser is named: {@code ./mvnw -Pbrowser verify} sets {@code evbase.browser} to
 * {@code /usr/bin/chromium} (override with {@code -Devbase.browser=...}). Screenshots go to {@code target/browser/}.
 */
@SpringBootTest(classes = EvbaseTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1",
        "management.server.port=",
        "management.endpoints.web.exposure.include=health,reactor",
        "evbase.workers=4",
        "evbase.stall-threshold=300ms",
        "evbase.listeners.echo.port=0",
        "evbase.listeners.echo.protocol=echo",
        "evbase.listeners.echo.bind-address=127.0.0.1",
        "evbase.listeners.cache.port=0",
        "evbase.listeners.cache.protocol=memcache",
        "evbase.listeners.cache.bind-address=127.0.0.1",
        "evbase.listeners.holding.port=0",
        "evbase.listeners.holding.protocol=holding",
        "evbase.listeners.holding.bind-address=127.0.0.1",
        "logging.level.io.evbase.loop.StallWatchdog=ERROR" }) // the stall is deliberate: no stack in the build log
@Import(HoldingHandler.Configuration.class)
@EnabledIfSystemProperty(named = "evbase.browser", matches = ".+")
class EvbaseViewBrowserTest {

    private static final Path OUT = Path.of("target", "browser");
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 900;

    /** What the page shows, read from its DOM (and the chart's pixels), as JSON. */
    private static final String READ_PAGE = """
            (() => {
              const text = (root, sel) => { const e = root.querySelector(sel); return e ? e.textContent : null; };
              const shown = e => e !== null && getComputedStyle(e).display !== 'none' && !e.hidden;
              return {
                updates: Number(document.body.dataset.updates || 0),
                status: text(document, '#status'),
                summary: text(document, '#summary'),
                alerts: [...document.querySelectorAll('#alerts .alert')].map(a => a.textContent),
                overview: [...document.querySelectorAll('#overview .cell')].map(c => Number(c.dataset.loop)),
                loops: [...document.querySelectorAll('#loops .loop')].map(c => {
                  const canvas = c.querySelector('canvas');
                  const row = canvas.width ? canvas.getContext('2d')
                      .getImageData(0, canvas.height - 1, canvas.width, 1).data : [];
                  let ink = 0;
                  for (let i = 3; i < row.length; i += 4) if (row[i] > 0) ink++;
                  return {
                    id: Number(c.dataset.loop), busy: Number(c.dataset.busy), busyText: text(c, '.pct'),
                    hot: c.classList.contains('hot') && shown(c.querySelector('.badge.hottest')),
                    stalled: c.classList.contains('stalled'),
                    stallBadge: shown(c.querySelector('.badge.stall')) ? text(c, '.badge.stall') : null,
                    stack: shown(c.querySelector('.stack')) ? text(c, '.stack') : null,
                    stalls: text(c, 'dd.stalls'),
                    points: Number(canvas.dataset.points || 0), max: Number(canvas.dataset.max || 0),
                    last: Number(canvas.dataset.last || 0), ink: ink,
                    pending: text(c, 'dd.pending'), p99: text(c, 'dd.p99'),
                    connections: text(c, 'dd.connections'), longest: text(c, 'dd.longest')
                  };
                }),
                listeners: [...document.querySelectorAll('#listeners tbody tr')].map(r => ({
                  name: r.dataset.listener, accepted: text(r, 'td.accepted b'), in: text(r, 'td.in b'),
                  out: text(r, 'td.out b')
                })),
                buffers: { inUse: text(document, '#buffers b.inuse'), allocated: text(document, '#buffers b.allocated'),
                           input: text(document, '#buffers b.input'), output: text(document, '#buffers b.output') }
              };
            })()""";

    static HeadlessChromium browser;

    @Value("${local.server.port}")
    int httpPort;

    @Autowired
    Server server;

    @Autowired
    HoldingHandler holding;

    Http http;

    @BeforeAll
    static void startBrowser() throws IOException {
        browser = HeadlessChromium.launch(Path.of(System.getProperty("evbase.browser")), OUT);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
            assertThat(browser.isAlive()).isFalse();
        }
    }

    @BeforeEach
    void client() {
        http = new Http(httpPort);
    }

    @Test
    void aFreshPageShowsEveryLoopAndTheRecentPastWithoutConsoleErrors() throws Exception {
        // some load on one loop before the page exists: the page must draw it from the server's history
        int loaded;
        try (EchoLoad load = new EchoLoad(server.listener("echo").port())) {
            loaded = loopOf(load.socket);
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> historyMax(loaded) >= 0.1);
        }
        HeadlessChromium.Page page = browser.newPage(WIDTH, HEIGHT);
        try {
            page.navigate(viewUrl());
            JsonNode shown = await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page),
                    p -> p.path("updates").asInt() >= 1);
            assertThat(shown.path("summary").asString()).contains("4 loops");
            assertThat(ids(shown.path("loops"))).containsExactly(0, 1, 2, 3);
            assertThat(shown.path("overview").valueStream().map(JsonNode::asInt).toList()).containsExactly(0, 1, 2, 3);
            JsonNode loop = loop(shown, loaded);
            assertThat(loop.path("points").asInt()).as("seconds of history drawn").isGreaterThanOrEqualTo(2);
            assertThat(loop.path("max").asDouble()).as("the load from before the page opened").isGreaterThanOrEqualTo(0.1);
            assertThat(loop.path("ink").asInt()).as("bars drawn on the chart").isPositive();
            assertThat(shown.path("listeners").valueStream().map(l -> l.path("name").asString()).toList())
                    .containsExactly("echo", "cache", "holding");
            assertThat(shown.path("buffers").path("allocated").asString()).matches("\\d+(\\.\\d)? (B|KiB|MiB|GiB)");
            assertThat(shown.path("status").asString()).startsWith("live");

            // it keeps updating by itself
            int updates = shown.path("updates").asInt();
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page).path("updates").asInt() >= updates + 2);
            assertThat(page.errors()).as("console errors; console: %s", page.console()).isEmpty();
        } finally {
            page.close();
        }
    }

    @Test
    void theFiguresOfALoadedLoopMoveAndItStandsOutAsTheHottest() throws Exception {
        awaitLoopsIdle();
        HeadlessChromium.Page page = browser.newPage(WIDTH, HEIGHT);
        try {
            page.navigate(viewUrl());
            JsonNode before = await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page),
                    p -> p.path("updates").asInt() >= 2);
            assertThat(before.path("loops").valueStream().noneMatch(l -> l.path("hot").asBoolean())).isTrue();

            try (EchoLoad load = new EchoLoad(server.listener("echo").port())) {
                int loaded = loopOf(load.socket);
                JsonNode during = await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page), p -> {
                    JsonNode l = loop(p, loaded);
                    return l.path("hot").asBoolean() && l.path("busy").asDouble() >= 0.2
                            && l.path("last").asDouble() >= 0.1 && !listener(p, "echo").path("in").asString().equals("0 B/s");
                });
                JsonNode hot = loop(during, loaded);
                assertThat(hot.path("busyText").asString()).matches("\\d+%");
                assertThat(Integer.parseInt(hot.path("busyText").asString().replace("%", ""))).isGreaterThanOrEqualTo(20);
                assertThat(hot.path("connections").asString()).isEqualTo("1");
                assertThat(hot.path("ink").asInt()).isPositive();
                assertThat(during.path("loops").valueStream().filter(l -> l.path("hot").asBoolean()).count())
                        .as("one hottest loop").isEqualTo(1);
                assertThat(listener(during, "echo").path("in").asString()).matches("[\\d.]+ (B|KiB|MiB|GiB)/s");
                // the strip chart grows to the right, second by second, while the load lasts
                int ink = hot.path("ink").asInt();
                await().atMost(PATIENCE).pollInterval(POLL)
                        .until(() -> loop(read(page), loaded).path("ink").asInt() >= ink + 3);
                page.screenshot(OUT.resolve("reactor-view.png"));
                page.resize(WIDTH, HEIGHT);
            }
            // and back when the load stops
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page),
                    p -> p.path("loops").valueStream().allMatch(l -> l.path("busy").asDouble() < 0.1
                            && !l.path("hot").asBoolean()));
            assertThat(page.errors()).as("console errors; console: %s", page.console()).isEmpty();
        } finally {
            page.close();
        }
    }

    @Test
    void aBlockedLoopShowsAsStalledWithItsStackAndRecovers() throws Exception {
        HeadlessChromium.Page page = browser.newPage(WIDTH, HEIGHT);
        try (Socket client = Clients.connect(server.listener("holding").port())) {
            page.navigate(viewUrl());
            JsonNode before = await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page),
                    p -> p.path("updates").asInt() >= 1);
            int held;
            try {
                client.getOutputStream().write("hold\n".getBytes(StandardCharsets.US_ASCII));
                held = holding.awaitHolding(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                JsonNode stalled = await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page),
                        p -> loop(p, held).path("stalled").asBoolean() && !loop(p, held).path("stack").isNull());
                JsonNode loop = loop(stalled, held);
                assertThat(loop.path("stallBadge").asString()).startsWith("stalled ");
                assertThat(loop.path("stack").asString()).contains("HoldingHandler.onRead")
                        .contains("io.evbase.loop.EventBase");
                assertThat(stalled.path("alerts").valueStream().map(JsonNode::asString).toList())
                        .anyMatch(a -> a.startsWith("loop " + held + " stalled"));
                assertThat(stalled.path("loops").valueStream().filter(l -> !l.path("stalled").asBoolean()).count())
                        .as("the loops not held are not shown stalled").isPositive();
                page.screenshot(OUT.resolve("reactor-view-stalled.png"));
                page.resize(WIDTH, HEIGHT);
            } finally {
                holding.release();
            }
            assertThat(readLine(client.getInputStream())).isEqualTo("released");
            JsonNode recovered = await().atMost(PATIENCE).pollInterval(POLL).until(() -> read(page),
                    p -> !loop(p, held).path("stalled").asBoolean());
            assertThat(loop(recovered, held).path("stack").isNull()).isTrue();
            assertThat(Long.parseLong(loop(recovered, held).path("stalls").asString()))
                    .isEqualTo(Long.parseLong(loop(before, held).path("stalls").asString()) + 1);
            assertThat(recovered.path("alerts").size()).isZero();
            assertThat(page.errors()).as("console errors; console: %s", page.console()).isEmpty();
        } finally {
            page.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    private String viewUrl() {
        return "http://127.0.0.1:" + httpPort + "/actuator/reactor/view";
    }

    private static JsonNode read(HeadlessChromium.Page page) {
        return page.evaluate(READ_PAGE);
    }

    private static List<Integer> ids(JsonNode loops) {
        return loops.valueStream().map(l -> l.path("id").asInt()).toList();
    }

    private static JsonNode loop(JsonNode page, int id) {
        return page.path("loops").valueStream().filter(l -> l.path("id").asInt() == id).findFirst()
                .orElseThrow(() -> new AssertionError("loop " + id + " not on the page: " + page));
    }

    private static JsonNode listener(JsonNode page, String name) {
        return page.path("listeners").valueStream().filter(l -> l.path("name").asString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("listener " + name + " not on the page: " + page));
    }

    /** The highest point of {@code loop}'s load history on the server. */
    private double historyMax(int loop) {
        List<Number> busy = JsonPath.read(http.body("/actuator/reactor/history"),
                "$.loops[?(@.id == " + loop + ")].busy[*]");
        return busy.stream().mapToDouble(Number::doubleValue).max().orElse(0);
    }

    private int loopOf(Socket client) {
        String address = "127.0.0.1:" + client.getLocalPort();
        String path = "$.connections[?(@.remoteAddress == '" + address + "')].loop";
        await().atMost(PATIENCE).pollInterval(POLL)
                .until(() -> JsonPath.<List<Integer>>read(http.body("/actuator/reactor/connections"), path).size() == 1);
        return JsonPath.<List<Integer>>read(http.body("/actuator/reactor/connections"), path).get(0);
    }

    private void awaitLoopsIdle() {
        await().atMost(PATIENCE).pollInterval(POLL).until(() -> JsonPath
                .<List<Number>>read(http.body("/actuator/reactor/loops"), "$.loops[*].load['1s']").stream()
                .allMatch(l -> l.doubleValue() < 0.05));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** An echo client that streams as fast as the server echoes: one thread writes, one reads. */
    private static final class EchoLoad implements AutoCloseable {

        final Socket socket;
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stop;

        EchoLoad(int port) throws IOException {
            socket = Clients.connect(port);
            threads.add(new Thread(this::write, "echo-load-writer"));
            threads.add(new Thread(this::read, "echo-load-reader"));
            threads.forEach(Thread::start);
        }

        private void write() {
            byte[] chunk = new byte[16 * 1024];
            IntStream.range(0, chunk.length).forEach(i -> chunk[i] = (byte) ('a' + i % 26));
            try {
                OutputStream out = socket.getOutputStream();
                while (!stop) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // closed by close()
            }
        }

        private void read() {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = socket.getInputStream();
                while (!stop && in.read(buffer) >= 0) {
                    // discard
                }
            } catch (IOException e) {
                // closed by close()
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            stop = true;
            socket.close();
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }
}
