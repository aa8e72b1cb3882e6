package io.evbase.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the raw results of bench/run.sh (one {@code key=value} line per run) into the markdown tables of
 * BENCHMARKS.md: the median of every metric per benchmark, case and server, and the ratio evbase/peer.
 *
 * <p>Usage: {@code Report RAW_FILE HEADER_FILE JMH_CSV OUT_FILE}; any input may be missing.
 */
public final class Report {

    /** One run: its fields. */
    record Run(Map<String, String> f) {
        String get(String k) {
            return f.getOrDefault(k, "");
        }

        double num(String k) {
            String v = f.get(k);
            try {
                return v == null ? Double.NaN : Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }

    public static void main(String[] args) throws IOException {
        Path raw = Path.of(args[0]);
        Path header = Path.of(args[1]);
        Path jmh = Path.of(args[2]);
        Path out = Path.of(args[3]);
        List<Run> runs = new ArrayList<>();
        if (Files.exists(raw)) {
            for (String line : Files.readAllLines(raw)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Map<String, String> f = new LinkedHashMap<>();
                for (String tok : line.trim().split("\\s+")) {
                    int eq = tok.indexOf('=');
                    if (eq > 0) {
                        f.put(tok.substring(0, eq), tok.substring(eq + 1));
                    }
                }
                runs.add(new Run(f));
            }
        }
        StringBuilder md = new StringBuilder();
        if (Files.exists(header)) {
            md.append(Files.readString(header)).append('\n');
        }
        load(md, runs, "echo", "Echo (evbase vs Netty 4.2; load generator, " + "messages/s)");
        load(md, runs, "memcaslap", "memcache: memcaslap (evbase vs memcached; get/set mix, operations/s)");
        load(md, runs, "memcache-max", "memcache: load generator, closed loop (operations/s)");
        load(md, runs, "memcache-rate", "memcache: load generator at a fixed rate (half the lower maximum): latency");
        load(md, runs, "churn", "Connection churn: connect, one request, close (connections/s)");
        idle(md, runs);
        dispatch(md, runs);
        accounting(md, runs);
        skipped(md, runs);
        jmh(md, jmh);
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    static double median(List<Double> values) {
        List<Double> v = values.stream().filter(d -> !d.isNaN()).sorted().toList();
        if (v.isEmpty()) {
            return Double.NaN;
        }
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    static double median(List<Run> runs, String key) {
        return median(runs.stream().map(r -> r.num(key)).toList());
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }

    /** Throughput benchmarks: a row per case and server, ratios against evbase's row of the same case. */
    static void load(StringBuilder md, List<Run> all, String bench, String title) {
        List<Run> runs = all.stream().filter(r -> r.get("bench").equals(bench) && !r.f.containsKey("skipped")).toList();
        if (runs.isEmpty()) {
            return;
        }
        boolean latency = runs.stream().anyMatch(r -> r.f.containsKey("p50_us"));
        md.append("\n### ").append(title).append("\n\n");
        md.append("| case | server | runs | ops/s (median) | evbase/peer ops/s |");
        if (latency) {
            md.append(" p50 µs | p99 µs | p99.9 µs |");
        }
        md.append(" server CPU µs/op | evbase/peer CPU/op | user % |\n");
        md.append("| --- | --- | ---: | ---: | ---: |");
        if (latency) {
            md.append(" ---: | ---: | ---: |");
        }
        md.append(" ---: | ---: | ---: |\n");
        Map<String, Map<String, List<Run>>> byCase = new LinkedHashMap<>();
        for (Run r : runs) {
            byCase.computeIfAbsent(r.get("case"), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.get("server"), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, Map<String, List<Run>>> c : byCase.entrySet()) {
            List<Run> ev = c.getValue().getOrDefault("evbase", List.of());
            double evOps = median(ev, "ops_per_s");
            double evCpu = median(ev, "server_cpu_us_per_op");
            for (Map.Entry<String, List<Run>> s : c.getValue().entrySet()) {
                List<Run> rs = s.getValue();
                double ops = median(rs, "ops_per_s");
                double cpu = median(rs, "server_cpu_us_per_op");
                boolean self = s.getKey().equals("evbase");
                long errors = rs.stream().mapToLong(r -> (long) (Double.isNaN(r.num("errors")) ? 0 : r.num("errors"))).sum();
                md.append("| ").append(c.getKey()).append(" | ").append(s.getKey())
                        .append(errors > 0 ? " (" + errors + " errors)" : "").append(" | ").append(rs.size())
                        .append(" | ").append(fmt(ops)).append(" | ").append(self ? "" : "**" + ratio(evOps, ops) + "**")
                        .append(" |");
                if (latency) {
                    md.append(' ').append(fmt(median(rs, "p50_us"))).append(" | ").append(fmt(median(rs, "p99_us")))
                            .append(" | ").append(fmt(median(rs, "p999_us"))).append(" |");
                }
                md.append(' ').append(fmt(cpu)).append(" | ").append(self ? "" : ratio(evCpu, cpu)).append(" | ")
                        .append(fmt(median(rs, "server_user_pct"))).append(" |\n");
            }
        }
    }

    static void idle(StringBuilder md, List<Run> all) {
        List<Run> runs = all.stream().filter(r -> r.get("bench").equals("idle") && !r.f.containsKey("skipped")).toList();
        if (runs.isEmpty()) {
            return;
        }
        md.append("\n### Idle connections: memory per open connection\n\n");
        md.append("| server | connections | heap + direct B/conn | heap B/conn | direct B/conn | RSS B/conn |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        Map<String, List<Run>> byServer = new LinkedHashMap<>();
        for (Run r : runs) {
            byServer.computeIfAbsent(r.get("server"), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Run>> s : byServer.entrySet()) {
            List<Run> rs = s.getValue();
            md.append("| ").append(s.getKey()).append(" | ").append(fmt(median(rs, "conns"))).append(" | ")
                    .append(fmt(median(rs, "heap_direct_per_conn"))).append(" | ").append(fmt(median(rs, "heap_per_conn")))
                    .append(" | ").append(fmt(median(rs, "direct_per_conn"))).append(" | ")
                    .append(fmt(median(rs, "rss_per_conn"))).append(" |\n");
        }
    }

    /** The dispatch policies under uneven load (DispatchBench): a row per policy, medians over the rounds. */
    static void dispatch(StringBuilder md, List<Run> all) {
        List<Run> runs = all.stream().filter(r -> r.get("bench").equals("dispatch") && !r.f.containsKey("skipped"))
                .toList();
        if (runs.isEmpty()) {
            return;
        }
        md.append("\n### Dispatch under uneven load\n\n");
        md.append("Two loops; a hot client keeps loop 0 busy with pipelined work; light clients connect one by one, each"
                + " makes its round trips and stays connected (`DispatchBench`, in-process). Latency is the light clients'"
                + " round trips; busy is each loop's share of the light phase spent working.\n\n");
        md.append("| case | policy | runs | light p50 µs | light p99 µs | light p99.9 µs | light clients on the hot loop"
                + " | loop 0 busy | loop 1 busy | busy spread | hot client ops/s |\n");
        md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        Map<String, Map<String, List<Run>>> byCase = new LinkedHashMap<>();
        for (Run r : runs) {
            byCase.computeIfAbsent(r.get("case"), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.get("server"), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, Map<String, List<Run>>> c : byCase.entrySet()) {
            for (Map.Entry<String, List<Run>> p : c.getValue().entrySet()) {
                List<Run> rs = p.getValue();
                long failed = rs.stream().filter(r -> r.f.containsKey("failed")).count();
                md.append("| ").append(c.getKey()).append(" | ").append(p.getKey())
                        .append(failed > 0 ? " (" + failed + " failed)" : "").append(" | ").append(rs.size())
                        .append(" | ").append(fmt(median(rs, "light_p50_us"))).append(" | ")
                        .append(fmt(median(rs, "light_p99_us"))).append(" | ").append(fmt(median(rs, "light_p999_us")))
                        .append(" | ").append(fmt(median(rs, "light_on_hot_loop"))).append(" | ")
                        .append(fmt(median(rs, "loop0_busy"))).append(" | ").append(fmt(median(rs, "loop1_busy")))
                        .append(" | ").append(fmt(median(rs, "busy_spread"))).append(" | ")
                        .append(fmt(median(rs, "hot_ops_per_s"))).append(" |\n");
            }
        }
    }

    /** The loop accounting's cost (AccountingCostBenchmark, AccountingOverheadBenchmark). */
    static void accounting(StringBuilder md, List<Run> all) {
        List<Run> runs = all.stream().filter(r -> r.get("bench").equals("accounting") && !r.f.containsKey("skipped"))
                .toList();
        if (runs.isEmpty()) {
            return;
        }
        md.append("\n### Loop accounting cost\n\n");
        List<Run> cost = runs.stream().filter(r -> r.get("case").equals("cost")).toList();
        if (!cost.isEmpty()) {
            md.append("Without sockets: ").append(fmt(median(cost, "iteration_ns")))
                    .append(" ns per iteration with one I/O event, ").append(fmt(median(cost, "task_ns")))
                    .append(" ns per posted task (median of ").append(cost.size()).append(" runs).\n\n");
        }
        List<Run> on = runs.stream().filter(r -> r.get("server").equals("accounting-on")).toList();
        List<Run> off = runs.stream().filter(r -> r.get("server").equals("accounting-off")).toList();
        if (!on.isEmpty() || !off.isEmpty()) {
            md.append("| echo ping-pong, 64 B, 4 clients, one loop | runs | messages/s | loop CPU ns/message |\n");
            md.append("| --- | ---: | ---: | ---: |\n");
            for (List<Run> rs : List.of(on, off)) {
                if (!rs.isEmpty()) {
                    md.append("| ").append(rs.get(0).get("server")).append(" | ").append(rs.size()).append(" | ")
                            .append(fmt(median(rs, "ops_per_s"))).append(" | ")
                            .append(fmt(median(rs, "loop_cpu_ns_per_op"))).append(" |\n");
                }
            }
        }
    }

    static void skipped(StringBuilder md, List<Run> all) {
        List<Run> runs = all.stream().filter(r -> r.f.containsKey("skipped")).toList();
        if (runs.isEmpty()) {
            return;
        }
        md.append("\n### Skipped\n\n");
        for (Run r : runs) {
            md.append("- ").append(r.get("bench")).append(": ").append(r.get("skipped").replace('_', ' ')).append('\n');
        }
    }

    static void jmh(StringBuilder md, Path csv) throws IOException {
        if (!Files.exists(csv)) {
            return;
        }
        List<String> lines = Files.readAllLines(csv);
        if (lines.size() < 2) {
            return;
        }
        md.append("\n### JMH microbenchmarks\n\n");
        md.append("| benchmark | params | mode | score | error (99.9%) | unit |\n| --- | --- | --- | ---: | ---: | --- |\n");
        List<String> head = splitCsv(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = splitCsv(line);
            StringBuilder params = new StringBuilder();
            for (int i = 7; i < f.size() && i < head.size(); i++) {
                if (!f.get(i).isEmpty()) {
                    params.append(head.get(i).replace("Param: ", "")).append('=').append(f.get(i)).append(' ');
                }
            }
            String name = f.get(0).replace("io.evbase.", "");
            md.append("| ").append(name).append(" | ").append(params.toString().trim()).append(" | ").append(f.get(1))
                    .append(" | ").append(fmt(Double.parseDouble(f.get(4)))).append(" | ")
                    .append(f.get(5).equals("NaN") ? "–" : fmt(Double.parseDouble(f.get(5)))).append(" | ")
                    .append(f.get(6)).append(" |\n");
        }
    }

    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : line.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
