package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.loop.LoadWindow;
import io.evbase.net.BoundListener;
import io.evbase.net.CloseReason;
import io.evbase.net.tls.TlsFailure;
import io.micrometer.core.instrument.Meter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The meters' documentation agrees with {@link EvbaseMeters}: the table in {@code docs/metrics.md} row for row,
 * the tag values it lists with the enums they come from, and every {@code evbase_*} series the README, the docs
 * (the overview in {@code docs/observability.md} included) or the Helm chart names is one the server exports, with a
 * {@code window} it has.
 */
class MetersDocumentationTest {

    private static final Path METRICS_MD = Path.of("docs/metrics.md");
    private static final Path OBSERVABILITY_MD = Path.of("docs/observability.md");
    private static final Path MEMCACHE_MD = Path.of("docs/memcache.md");

    @Test
    void theMeterTableIsTheEnum() throws IOException {
        List<String> rows = Files.readAllLines(METRICS_MD).stream().filter(l -> l.startsWith("| `evbase."))
                .map(MetersDocumentationTest::normalize).toList();
        List<String> expected = Arrays.stream(EvbaseMeters.values()).map(MetersDocumentationTest::row)
                .map(MetersDocumentationTest::normalize).toList();
        assertThat(rows).containsExactlyElementsOf(expected);
    }

    @Test
    void theTagValuesAreTheServers() throws IOException {
        String doc = Files.readString(METRICS_MD);
        assertThat(line(doc, "`window` of `evbase.loop.load`")).as("window values").contains(
                Arrays.stream(LoadWindow.values()).map(w -> "`" + w.label() + "`").toArray(String[]::new));
        assertThat(codes(line(doc, "`reason` of `evbase.connections.rejected`"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(BoundListener.RejectReason.values()).map(BoundListener.RejectReason::tag).toList());
        assertThat(codes(line(doc, "`reason` of `evbase.connections.closed`"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(CloseReason.values()).map(CloseReason::tag).toList());
        assertThat(codes(line(doc, "`reason` of `evbase.tls.handshakes.failed`"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(TlsFailure.values()).map(TlsFailure::tag).toList());
    }

    @Test
    void everySeriesTheDocsAndTheChartQueryExists() throws IOException {
        Set<String> series = new LinkedHashSet<>();
        for (EvbaseMeters m : EvbaseMeters.values()) {
            series.add(m.prometheusName());
            if (m.getType() == Meter.Type.TIMER) {
                for (String suffix : m.timerSuffixes()) {
                    series.add(m.prometheusName() + suffix);
                }
            }
        }
        Set<String> windows = Arrays.stream(LoadWindow.values()).map(LoadWindow::label).collect(Collectors.toSet());
        Pattern name = Pattern.compile("\\bevbase_[a-z_]+[a-z]");
        Pattern window = Pattern.compile("window=\\\\?\"([^\"\\\\]+)\\\\?\"");
        int seen = 0;
        Map<Path, Integer> seenIn = new HashMap<>();
        for (Path file : queryFiles()) {
            for (String text : queryText(file)) {
                Matcher m = name.matcher(text);
                while (m.find()) {
                    seen++;
                    seenIn.merge(file, 1, Integer::sum);
                    assertThat(series).as("%s names %s", file, m.group()).contains(m.group());
                }
                Matcher w = window.matcher(text);
                while (w.find()) {
                    if (w.group(1).startsWith("$")) {
                        continue; // a Grafana variable, filled from the series' own window labels
                    }
                    assertThat(windows).as("%s queries window=\"%s\"", file, w.group(1)).contains(w.group(1));
                }
            }
        }
        assertThat(seen).isGreaterThan(20);
        assertThat(seenIn).as("series named per file").containsKeys(METRICS_MD, OBSERVABILITY_MD);
    }

    /** The row of the table for one meter, as docs/metrics.md has it. */
    static String row(EvbaseMeters m) {
        String type = m.getType().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        String unit = m.getBaseUnit() == null ? "" : m.getBaseUnit();
        String tags = m.tagKeys().stream().map(t -> "`" + t + "`").collect(Collectors.joining(", "));
        String prometheus = "`" + m.prometheusName() + "`"
                + (m.getType() == Meter.Type.TIMER ? m.timerSuffixes().stream().map(x -> "`" + x + "`")
                        .collect(Collectors.joining(", ", " (", ")")) : "");
        return "| `" + m.getName() + "` | " + type + " | " + unit + " | " + tags + " | " + prometheus + " | "
                + m.description() + " |";
    }

    private static String normalize(String row) {
        return Arrays.stream(row.split("\\|")).map(String::trim).collect(Collectors.joining("|"));
    }

    private static String line(String doc, String start) {
        return doc.lines().filter(l -> l.contains(start)).findFirst()
                .orElseThrow(() -> new AssertionError("docs/metrics.md has no line with " + start));
    }

    /** The back-quoted values after the colon of a "values of" line. */
    private static List<String> codes(String line) {
        List<String> values = new ArrayList<>();
        Matcher m = Pattern.compile("`([a-z_]+)`").matcher(line.substring(line.indexOf(':') + 1));
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    /**
     * Every file that may name Prometheus series: the README, the pages of docs/ (observability.md has the
     * overview and queries, metrics.md the reference) and the Helm chart. docs/memcache.md is left out: it lists
     * {@code stats} fields named like series (evbase_loop_0_load) that are not series.
     */
    private static List<Path> queryFiles() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).filter(f -> !f.equals(MEMCACHE_MD)).sorted()
                    .forEach(files::add);
        }
        assertThat(files).as("the docs the series are checked in").contains(METRICS_MD, OBSERVABILITY_MD);
        try (Stream<Path> chart = Files.walk(Path.of("helm"))) {
            chart.filter(Files::isRegularFile).forEach(files::add);
        }
        return files;
    }

    /** The parts of a file that name Prometheus series: all of it. */
    private static List<String> queryText(Path file) throws IOException {
        return List.of(Files.readString(file));
    }
}
