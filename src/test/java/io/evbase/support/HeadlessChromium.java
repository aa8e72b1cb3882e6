package io.evbase.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A headless Chromium (Debian's {@code chromium}) started by a test and driven over the DevTools protocol, with
 * nothing but {@code java.net.http}'s WebSocket: new pages, navigation, script evaluation, console errors and
 * screenshots. The test owns the process: {@link #close()} ends it and its children by handle and deletes the
 * fresh profile directory it ran with.
 *
 * <p>Threading: thread-safe. Commands block the calling thread until Chromium answers; events arrive on the
 * WebSocket's thread and are only recorded.
 */
public final class HeadlessChromium implements AutoCloseable {

    /** The flags of a quiet, sandbox-free headless run that reaches nothing but the pages it is sent to. */
    public static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--no-first-run", "--disable-quic", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final Map<String, Page> pages = new ConcurrentHashMap<>();
    private final Process process;
    private final Path profile;
    private final WebSocket socket;

    private HeadlessChromium(Process process, Path profile, URI devtools) {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(devtools, new Listener()).join();
    }

    /**
     * Starts {@code executable} with {@link #FLAGS}, a fresh profile under {@code workDirectory} and a DevTools port
     * of the system's choice, and connects to it. Chromium's own output goes to {@code chromium.log} there.
     */
    public static HeadlessChromium launch(Path executable, Path workDirectory) throws IOException {
        Files.createDirectories(workDirectory);
        Path profile = Files.createTempDirectory(workDirectory, "profile-");
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(FLAGS);
        command.add("--remote-debugging-port=0");
        command.add("--user-data-dir=" + profile);
        command.add("about:blank");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDirectory.resolve("chromium.log").toFile()))
                .start();
        try {
            // Chromium writes the port it bound and the browser's DevTools path into the profile once it listens.
            Path activePort = profile.resolve("DevToolsActivePort");
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> !process.isAlive() || devtoolsLines(activePort).size() >= 2);
            if (!process.isAlive()) {
                throw new IllegalStateException("chromium exited with " + process.exitValue() + " before listening; see "
                        + workDirectory.resolve("chromium.log"));
            }
            List<String> lines = devtoolsLines(activePort);
            URI devtools = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
            return new HeadlessChromium(process, profile, devtools);
        } catch (RuntimeException | Error e) {
            stop(process);
            deleteTree(profile);
            throw e;
        }
    }

    private static List<String> devtoolsLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of(); // being written
        }
    }

    /** Opens a new page (tab) of {@code width} by {@code height} CSS pixels, with its console watched. */
    public Page newPage(int width, int height) {
        String target = command(null, "Target.createTarget", object().put("url", "about:blank")).get("targetId")
                .asString();
        String session = command(null, "Target.attachToTarget", object().put("targetId", target).put("flatten", true))
                .get("sessionId").asString();
        Page page = new Page(target, session);
        pages.put(session, page);
        page.command("Runtime.enable", object());
        page.command("Log.enable", object());
        page.command("Page.enable", object());
        page.resize(width, height);
        return page;
    }

    /** Whether the browser process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Asks Chromium to close, then ends what is left of it and its children by handle, and deletes its profile. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                command(null, "Browser.close", object());
            }
        } catch (RuntimeException e) {
            // it may close the connection before answering; the process handles below make sure
        } finally {
            socket.abort();
            stop(process);
            deleteTree(profile);
        }
    }

    private static void stop(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // a profile left in target/ is harmless; `mvn clean` removes it
        }
    }

    private ObjectNode object() {
        return json.createObjectNode();
    }

    private JsonNode command(String session, String method, ObjectNode params) {
        long id = ids.incrementAndGet();
        ObjectNode message = object().put("id", id).put("method", method);
        message.set("params", params);
        if (session != null) {
            message.put("sessionId", session);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        try {
            synchronized (socket) { // one message at a time on the socket
                socket.sendText(message.toString(), true).get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            JsonNode answer = reply.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (answer.has("error")) {
                throw new IllegalStateException(method + " failed: " + answer.get("error"));
            }
            return answer.path("result");
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(method + " got no answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " interrupted", e);
        } finally {
            replies.remove(id);
        }
    }

    private void received(String text) {
        JsonNode message = json.readTree(text);
        if (message.has("id")) {
            CompletableFuture<JsonNode> reply = replies.get(message.get("id").asLong());
            if (reply != null) {
                reply.complete(message);
            }
            return;
        }
        Page page = pages.get(message.path("sessionId").asString(""));
        if (page != null) {
            page.event(message.path("method").asString(""), message.path("params"));
        }
    }

    /** Gathers each message's fragments; answers and events are handed on whole. */
    private final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            replies.values().forEach(r -> r.completeExceptionally(error));
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            replies.values().forEach(r -> r.completeExceptionally(new IllegalStateException("DevTools closed")));
            return null;
        }
    }

    /**
     * One page (tab). Records what its console and the browser's log report as errors, and uncaught exceptions.
     */
    public final class Page {

        private final String target;
        private final String session;
        private final List<String> errors = new CopyOnWriteArrayList<>();
        private final List<String> console = new CopyOnWriteArrayList<>();

        private Page(String target, String session) {
            this.target = target;
            this.session = session;
        }

        public JsonNode command(String method, ObjectNode params) {
            return HeadlessChromium.this.command(session, method, params);
        }

        /** Sets the viewport to {@code width} by {@code height} CSS pixels, at one device pixel per CSS pixel. */
        public void resize(int width, int height) {
            command("Emulation.setDeviceMetricsOverride", object().put("width", width).put("height", height)
                    .put("deviceScaleFactor", 1).put("mobile", false));
        }

        /** Navigates to {@code url} and waits until the document has loaded. */
        public void navigate(String url) {
            JsonNode result = command("Page.navigate", object().put("url", url));
            if (result.has("errorText")) {
                throw new IllegalStateException("navigating to " + url + " failed: " + result.get("errorText"));
            }
            await().atMost(COMMAND_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> "complete".equals(evaluate("document.readyState").asString("")));
        }

        /** The value of a script expression (a promise is awaited), as JSON. */
        public JsonNode evaluate(String expression) {
            JsonNode result = command("Runtime.evaluate", object().put("expression", expression)
                    .put("returnByValue", true).put("awaitPromise", true));
            if (result.has("exceptionDetails")) {
                throw new IllegalStateException("script failed: " + result.get("exceptionDetails"));
            }
            return result.path("result").path("value");
        }

        /**
         * Writes a PNG of the whole page to {@code file}: the viewport is fitted to the page's height (and stays so;
         * {@link #resize} it back if needed).
         */
        public void screenshot(Path file) throws IOException {
            int width = evaluate("document.documentElement.clientWidth").asInt();
            resize(width, 100); // the document's height, not the viewport's
            int height = evaluate("Math.ceil(document.documentElement.scrollHeight)").asInt();
            resize(width, height);
            String data = command("Page.captureScreenshot", object().put("format", "png")).get("data").asString();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(data));
        }

        /** Console errors, uncaught exceptions and error entries of the browser's log, so far. */
        public List<String> errors() {
            return List.copyOf(errors);
        }

        /** Every console message so far, {@code type: text}. */
        public List<String> console() {
            return List.copyOf(console);
        }

        public void close() {
            pages.remove(session);
            HeadlessChromium.this.command(null, "Target.closeTarget", object().put("targetId", target));
        }

        private void event(String method, JsonNode params) {
            switch (method) {
                case "Runtime.consoleAPICalled" -> {
                    StringBuilder text = new StringBuilder();
                    for (JsonNode arg : params.path("args")) {
                        JsonNode value = arg.path("value");
                        text.append(text.isEmpty() ? "" : " ").append(value.isString() ? value.asString()
                                : arg.has("value") ? value.toString() : arg.path("description").asString(""));
                    }
                    String type = params.path("type").asString("");
                    console.add(type + ": " + text);
                    if (type.equals("error") || type.equals("assert")) {
                        errors.add("console." + type + ": " + text);
                    }
                }
                case "Runtime.exceptionThrown" -> {
                    JsonNode details = params.path("exceptionDetails");
                    errors.add("uncaught: " + details.path("text").asString("") + " "
                            + details.path("exception").path("description").asString(""));
                }
                case "Log.entryAdded" -> {
                    JsonNode entry = params.path("entry");
                    console.add("log " + entry.path("level").asString("") + ": " + entry.path("text").asString(""));
                    if (entry.path("level").asString("").equals("error")) {
                        errors.add("log: " + entry.path("text").asString("") + " " + entry.path("url").asString(""));
                    }
                }
                default -> {
                    // other events are not needed
                }
            }
        }
    }
}
