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
 * <p>Usage: {@code Report RAW_FILE HEADER_FILE JMH_CSV OUT_FILE [NOTES]}; any input may be missing. NOTES (the
 * analysis behind the goals, written by hand from a profile) follows the goals' table.
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
        Path notes = args.length > 4 ? Path.of(args[4]) : null;
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
        List<Jmh> jmhRows = readJmh(jmh);
        StringBuilder md = new StringBuilder();
        if (Files.exists(header)) {
            md.append(Files.readString(header)).append('\n');
        }
        Goals.write(md, runs, jmhRows);
        if (notes != null && Files.exists(notes)) {
            md.append("\n## Closing note\n\n").append(Files.readString(notes).trim()).append('\n');
        }
        load(md, runs, "echo", "Echo (evbase vs Netty 4.2; load generator, messages/s)");
        table(md, runs, "memcaslap", "Goal 1 — memcaslap: get/set mix, 16/32/64 connections, 64 B and 1 KiB values",
                "memcaslap (Debian's libmemcached-tools), closed loop, one client thread; ops/s is memcaslap's TPS. CPU is"
                + " the server's over the run, split into user (its own code) and kernel time per operation; non-loop % is"
                + " the share of evbase's CPU taken by threads other than its loops (JIT compiler, GC, acceptor).",
                Col.of("ops/s", "ops_per_s", true), Col.of("CPU µs/op", "server_cpu_us_per_op", true),
                Col.of("user µs/op", "server_user_us_per_op", true), Col.of("kernel µs/op", "server_sys_us_per_op", true),
                Col.of("non-loop %", "server_nonloop_pct", false));
        table(md, runs, "multiget", "Goal 2 — pipelined multi-get (mc-crusher style)",
                "One connection per loop (per memcached thread), each sending `get` lines of 10 preloaded keys back to back"
                + " with 32 lines in flight; keys/s per loop is the keys returned per second divided by the connections.",
                Col.of("keys/s per loop", "keys_per_s_per_conn", true), Col.of("gets/s", "ops_per_s", false),
                Col.of("CPU µs/key", "server_cpu_us_per_key", true), Col.of("user µs/key", "server_user_us_per_key", true),
                Col.of("kernel µs/key", "server_sys_us_per_key", true), Col.of("non-loop %", "server_nonloop_pct", false));
        load(md, runs, "memcache-max", "memcache: load generator, closed loop (operations/s)");
        load(md, runs, "tail-max", "Goal 3 — big store, closed loop (the maxima the fixed rate is half of)");
        table(md, runs, "tail", "Goal 3 — tail latency at a fixed rate, big store",
                "1,000,000 items of 2,000-byte values (about 2 GB) preloaded; the load generator sends 90 % gets and 10 %"
                + " sets over 32 connections at half the lower of the two closed-loop maxima, latency measured from each"
                + " request's intended send time (no coordinated omission). GC pauses are the collector's pauses that the"
                + " unified GC log (`-Xlog:gc*`) records during the measured runs.",
                Col.of("ops/s", "ops_per_s", false), Col.of("p50 µs", "p50_us", true), Col.of("p99 µs", "p99_us", true),
                Col.of("p99.9 µs", "p999_us", true), Col.of("max µs", "max_us", false),
                Col.of("GC pauses", "gc_pauses", false), Col.of("longest pause ms", "gc_pause_max_ms", false),
                Col.of("pause ms total", "gc_pause_total_ms", false), Col.of("pauses > 10 ms", "gc_pauses_over_10ms", false),
                Col.of("CPU µs/op", "server_cpu_us_per_op", true));
        load(md, runs, "churn", "Connection churn: connect, one request, close (connections/s)");
        load(md, runs, "tls-echo", "TLS echo (evbase vs Netty 4.2 with the JDK provider; TLS load generator, messages/s)");
        load(md, runs, "tls-handshake", "TLS full handshakes, no resumption (evbase vs Netty 4.2; handshakes/s)");
        load(md, runs, "tls-overhead", "TLS overhead: evbase's TLS echo against its own plaintext echo (messages/s)");
        load(md, runs, "tls-memcache", "memcache over TLS (evbase vs memcached -Z; TLS load generator, operations/s)");
        table(md, runs, "idle", "Goal 4 — memory per idle connection",
                "N connections opened, one request each (`version` for memcache, a line for echo), then held; RSS growth"
                + " over the server's before the connections, divided by N. For JVM servers also the heap and direct"
                + " memory after a full GC.",
                Col.of("RSS B/conn", "rss_per_conn", true), Col.of("heap B/conn", "heap_per_conn", false),
                Col.of("direct B/conn", "direct_per_conn", false), Col.of("seconds to open", "open_seconds", false));
        table(md, runs, "items", "Goal 5 — memory per stored item at the same memory limit",
                "A fresh server of each kind with the same memory limit (memcached `-m`, evbase"
                + " `evbase.memcache.memory-limit`) filled with pipelined `set ... noreply`; RSS per item is the growth of"
                + " the resident set over the empty server's divided by the items held (`curr_items`); hit ratio is a pass"
                + " of gets over all keys (or an even sample of 1,000,000).",
                Col.of("limit MB", "limit_mb", false), Col.of("items set", "items_set", false),
                Col.of("items held", "items_held", true), Col.of("hit ratio", "hit_ratio", true),
                Col.of("RSS B/item", "rss_per_item", true), Col.of("live heap B/item", "heap_per_item", false),
                Col.of("seconds to fill", "fill_seconds", false));
        table(md, runs, "hitratio", "Goal 6 — hit ratio at the same memory, cache-aside",
                "Fresh servers at the same memory limit; one connection, gets in pipelined batches of 100, a set for each"
                + " miss (values 100–1,000 bytes, fixed per key); the first fifth of the trace warms up. `scan` is the"
                + " Zipf 0.99 trace with a one-pass scan of new keys (a quarter of the interval) after every fifteenth"
                + " of the trace (200,000 and 50,000 in a full run); only the Zipf requests count.",
                Col.of("hit ratio", "hit_ratio", true), Col.of("items at the end", "curr_items", false),
                Col.of("evictions", "evictions", false));
        dispatch(md, runs);
        accounting(md, runs);
        skipped(md, runs);
        jmh(md, jmhRows);
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    /** A column of {@link #table}: a median of {@code key}; {@code ratio} adds an evbase/peer column after it. */
    record Col(String header, String key, boolean ratio) {
        static Col of(String header, String key, boolean ratio) {
            return new Col(header, key, ratio);
        }
    }

    /** Runs of one benchmark, grouped by case then server, in the order they were recorded. */
    static Map<String, Map<String, List<Run>>> byCase(List<Run> all, String bench) {
        Map<String, Map<String, List<Run>>> byCase = new LinkedHashMap<>();
        for (Run r : all) {
            if (r.get("bench").equals(bench) && !r.f.containsKey("skipped")) {
                byCase.computeIfAbsent(r.get("case"), k -> new LinkedHashMap<>())
                        .computeIfAbsent(r.get("server"), k -> new ArrayList<>()).add(r);
            }
        }
        return byCase;
    }

    /** The evbase row of a case: the server named evbase, or the first whose name starts with evbase. */
    static List<Run> evbaseRuns(Map<String, List<Run>> servers) {
        if (servers.containsKey("evbase")) {
            return servers.get("evbase");
        }
        return servers.entrySet().stream().filter(e -> e.getKey().startsWith("evbase")).map(Map.Entry::getValue)
                .findFirst().orElse(List.of());
    }

    /** A table of medians per case and server, with evbase/peer ratios on the peers' rows. */
    static void table(StringBuilder md, List<Run> all, String bench, String title, String about, Col... cols) {
        Map<String, Map<String, List<Run>>> cases = byCase(all, bench);
        if (cases.isEmpty()) {
            return;
        }
        md.append("\n### ").append(title).append("\n\n").append(about).append("\n\n| case | server | runs |");
        StringBuilder rule = new StringBuilder("| --- | --- | ---: |");
        for (Col c : cols) {
            md.append(' ').append(c.header).append(" |");
            rule.append(" ---: |");
            if (c.ratio) {
                md.append(" evbase/peer |");
                rule.append(" ---: |");
            }
        }
        md.append('\n').append(rule).append('\n');
        for (Map.Entry<String, Map<String, List<Run>>> c : cases.entrySet()) {
            List<Run> ev = evbaseRuns(c.getValue());
            for (Map.Entry<String, List<Run>> s : c.getValue().entrySet()) {
                List<Run> rs = s.getValue();
                boolean self = rs == ev || s.getKey().startsWith("evbase");
                long errors = rs.stream().mapToLong(r -> (long) (Double.isNaN(r.num("errors")) ? 0 : r.num("errors"))).sum();
                long failed = rs.stream().filter(r -> r.f.containsKey("failed")).count();
                md.append("| ").append(c.getKey()).append(" | ").append(s.getKey())
                        .append(errors > 0 ? " (" + errors + " errors)" : "")
                        .append(failed > 0 ? " (" + failed + " failed)" : "").append(" | ").append(rs.size()).append(" |");
                for (Col col : cols) {
                    double v = median(rs, col.key);
                    md.append(' ').append(col.key.equals("hit_ratio") ? pct(v) : fmt(v)).append(" |");
                    if (col.ratio) {
                        md.append(' ').append(self ? "" : "**" + ratio(median(ev, col.key), v) + "**").append(" |");
                    }
                }
                md.append('\n');
            }
        }
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
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
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0 || Double.isInfinite(a / b)) {
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
        md.append(" server CPU µs/op | evbase/peer CPU/op | user µs/op | kernel µs/op |\n");
        md.append("| --- | --- | ---: | ---: | ---: |");
        if (latency) {
            md.append(" ---: | ---: | ---: |");
        }
        md.append(" ---: | ---: | ---: | ---: |\n");
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
                        .append(fmt(median(rs, "server_user_us_per_op"))).append(" | ")
                        .append(fmt(median(rs, "server_sys_us_per_op"))).append(" |\n");
            }
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

    /** A JMH result: benchmark, parameters, mode, score, error, unit, and the allocation per op when profiled. */
    record Jmh(String name, String params, String mode, double score, double error, String unit, double allocPerOp) {
    }

    static List<Jmh> readJmh(Path csv) throws IOException {
        List<Jmh> rows = new ArrayList<>();
        if (!Files.exists(csv)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(csv);
        if (lines.size() < 2) {
            return rows;
        }
        List<String> head = splitCsv(lines.get(0));
        Map<String, Double> alloc = new LinkedHashMap<>();
        List<List<String>> primaries = new ArrayList<>();
        List<String> paramsOf = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = splitCsv(line);
            StringBuilder params = new StringBuilder();
            for (int i = 7; i < f.size() && i < head.size(); i++) {
                if (!f.get(i).isEmpty()) {
                    params.append(head.get(i).replace("Param: ", "")).append('=').append(f.get(i)).append(' ');
                }
            }
            String name = f.get(0).replace("io.evbase.", "");
            int colon = name.indexOf(':');
            if (colon > 0) {
                // a secondary result of a profiler: "bench:gc.alloc.rate.norm" (JMH 1.37 may prefix a middle dot)
                if (name.endsWith("gc.alloc.rate.norm")) {
                    alloc.put(name.substring(0, colon) + " " + params, Double.parseDouble(f.get(4)));
                }
                continue;
            }
            primaries.add(f);
            paramsOf.add(params.toString().trim());
        }
        for (int i = 0; i < primaries.size(); i++) {
            List<String> f = primaries.get(i);
            String name = f.get(0).replace("io.evbase.", "");
            Double a = alloc.get(name + " " + (paramsOf.get(i).isEmpty() ? "" : paramsOf.get(i) + " "));
            rows.add(new Jmh(name, paramsOf.get(i), f.get(1), Double.parseDouble(f.get(4)),
                    f.get(5).equals("NaN") ? Double.NaN : Double.parseDouble(f.get(5)), f.get(6),
                    a == null ? Double.NaN : a));
        }
        return rows;
    }

    static void jmh(StringBuilder md, List<Jmh> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n### Goal 7 — JMH microbenchmarks\n\n");
        md.append("Run with `-prof gc`: B/op is `gc.alloc.rate.norm`, the bytes allocated per operation (by every thread:"
                + " `ServerRoundTripBench` counts the server's loops as well as its client).\n\n");
        md.append("| benchmark | params | mode | score | error (99.9%) | unit | B/op |\n"
                + "| --- | --- | --- | ---: | ---: | --- | ---: |\n");
        for (Jmh j : rows) {
            md.append("| ").append(j.name).append(" | ").append(j.params).append(" | ").append(j.mode).append(" | ")
                    .append(fmt(j.score)).append(" | ").append(fmt(j.error)).append(" | ").append(j.unit).append(" | ")
                    .append(fmt(j.allocPerOp)).append(" |\n");
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
