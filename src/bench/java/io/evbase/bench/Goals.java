package io.evbase.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary at the top of BENCHMARKS.md: each goal of the performance issue with the figure measured for evbase
 * beside its peer's, the ratio, and whether the goal is met in this run (from the medians of the tables below).
 */
final class Goals {

    /** RSS per idle connection the goal allows: 0.6 KiB. */
    static final double IDLE_BYTES = 0.6 * 1024;
    /** The longest GC pause the tail goal allows, in ms. */
    static final double PAUSE_MS = 10;
    /** Below this many bytes per operation a JMH path counts as allocation-free (JMH's own bookkeeping is noise). */
    static final double ZERO_ALLOC = 1;

    private Goals() {
    }

    record Row(String goal, String figure, String evbase, String peer, String ratio, Boolean met) {
    }

    static void write(StringBuilder md, List<Report.Run> runs, List<Report.Jmh> jmh) {
        List<Row> rows = new ArrayList<>();
        worst(rows, "0. echo (keep ahead of Netty)", "messages/s vs Netty epoll",
                pairs(runs, "echo", "netty-epoll", "ops_per_s"), false, 1.0);
        worst(rows, "0. echo (keep ahead of Netty)", "CPU µs/message vs Netty epoll",
                pairs(runs, "echo", "netty-epoll", "server_cpu_us_per_op"), true, 1.0);
        memcaslap(rows, runs);
        multiget(rows, runs);
        tail(rows, runs);
        idle(rows, runs);
        items(rows, runs);
        hitRatio(rows, runs);
        jmh(rows, jmh);
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Goals\n\n");
        md.append("Each goal's figure in this run (medians of the tables below), evbase beside its peer (memcached; for echo,"
                + " Netty). A ratio is evbase/peer.\n\n");
        md.append("| goal | figure | evbase | peer | ratio | met |\n| --- | --- | ---: | ---: | ---: | --- |\n");
        for (Row r : rows) {
            md.append("| ").append(r.goal).append(" | ").append(r.figure).append(" | ").append(r.evbase).append(" | ")
                    .append(r.peer).append(" | ").append(r.ratio).append(" | ")
                    .append(r.met == null ? "–" : r.met ? "yes" : "**no**").append(" |\n");
        }
    }

    /** Per case of a benchmark: the evbase and peer medians of {@code key}. */
    record Pair(String kase, String peer, double evbase, double other) {
        double ratio() {
            return evbase / other;
        }
    }

    static List<Pair> pairs(List<Report.Run> runs, String bench, String peer, String key) {
        List<Pair> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<Report.Run>>> c : Report.byCase(runs, bench).entrySet()) {
            List<Report.Run> ev = Report.evbaseRuns(c.getValue());
            List<Report.Run> other = c.getValue().get(peer);
            if (!ev.isEmpty() && other != null) {
                double a = Report.median(ev, key);
                double b = Report.median(other, key);
                if (!Double.isNaN(a) && !Double.isNaN(b)) {
                    out.add(new Pair(c.getKey(), peer, a, b));
                }
            }
        }
        return out;
    }

    static String f(double v) {
        return Report.fmt(v);
    }

    static String r(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** The case with the worst ratio (the highest when {@code lowerIsBetter}), and whether every case passes. */
    static void worst(List<Row> rows, String goal, String figure, List<Pair> pairs, boolean lowerIsBetter, double bound) {
        if (pairs.isEmpty()) {
            return;
        }
        Pair worst = pairs.get(0);
        int pass = 0;
        for (Pair p : pairs) {
            if (lowerIsBetter ? p.ratio() > worst.ratio() : p.ratio() < worst.ratio()) {
                worst = p;
            }
            if (lowerIsBetter ? p.ratio() <= bound : p.ratio() >= bound) {
                pass++;
            }
        }
        rows.add(new Row(goal, figure + ": worst case " + worst.kase + " (" + pass + " of " + pairs.size() + " cases within "
                + r(bound) + ")", f(worst.evbase), f(worst.other), r(worst.ratio()), pass == pairs.size()));
    }

    static void memcaslap(List<Row> rows, List<Report.Run> runs) {
        worst(rows, "1. memcaslap", "CPU µs/op", pairs(runs, "memcaslap", "memcached", "server_cpu_us_per_op"), true, 1.0);
        worst(rows, "1. memcaslap", "ops/s", pairs(runs, "memcaslap", "memcached", "ops_per_s"), false, 1.0);
    }

    static void multiget(List<Row> rows, List<Report.Run> runs) {
        worst(rows, "2. multi-get", "keys/s per loop", pairs(runs, "multiget", "memcached", "keys_per_s_per_conn"), false,
                1.0);
        worst(rows, "2. multi-get", "CPU µs/key", pairs(runs, "multiget", "memcached", "server_cpu_us_per_key"), true, 1.0);
    }

    static void tail(List<Row> rows, List<Report.Run> runs) {
        worst(rows, "3. tail", "p99 µs", pairs(runs, "tail", "memcached", "p99_us"), true, 1.0);
        worst(rows, "3. tail", "p99.9 µs", pairs(runs, "tail", "memcached", "p999_us"), true, 1.0);
        double longest = Double.NaN;
        for (Map<String, List<Report.Run>> servers : Report.byCase(runs, "tail").values()) {
            for (Report.Run run : Report.evbaseRuns(servers)) {
                double v = run.num("gc_pause_max_ms");
                if (!Double.isNaN(v) && (Double.isNaN(longest) || v > longest)) {
                    longest = v;
                }
            }
        }
        if (!Double.isNaN(longest)) {
            rows.add(new Row("3. tail", "longest GC pause in any measured run, ms", f(longest), "–", "–",
                    longest <= PAUSE_MS));
        }
    }

    static void idle(List<Row> rows, List<Report.Run> runs) {
        for (Map.Entry<String, Map<String, List<Report.Run>>> c : Report.byCase(runs, "idle").entrySet()) {
            List<Report.Run> ev = c.getValue().get("evbase-memcache");
            List<Report.Run> mc = c.getValue().get("memcached");
            if (ev == null) {
                continue;
            }
            double a = Report.median(ev, "rss_per_conn");
            double b = mc == null ? Double.NaN : Report.median(mc, "rss_per_conn");
            rows.add(new Row("4. idle connections", "RSS B/conn at " + c.getKey() + " (goal ≤ 614 B)", f(a), f(b),
                    r(a / b), a <= IDLE_BYTES));
        }
    }

    static void items(List<Row> rows, List<Report.Run> runs) {
        for (Pair p : pairs(runs, "items", "memcached", "rss_per_item")) {
            rows.add(new Row("5. memory per item", "RSS B/item, " + p.kase, f(p.evbase), f(p.other), r(p.ratio()),
                    p.ratio() <= 1.0));
        }
        for (Pair p : pairs(runs, "items", "memcached", "items_held")) {
            rows.add(new Row("5. memory per item", "items held, " + p.kase, f(p.evbase), f(p.other), r(p.ratio()),
                    null));
        }
    }

    static void hitRatio(List<Row> rows, List<Report.Run> runs) {
        for (Pair p : pairs(runs, "hitratio", "memcached", "hit_ratio")) {
            rows.add(new Row("6. hit ratio", p.kase, Report.pct(p.evbase), Report.pct(p.other), r(p.ratio()),
                    p.evbase >= p.other));
        }
    }

    static void jmh(List<Row> rows, List<Report.Jmh> jmh) {
        for (Report.Jmh j : jmh) {
            boolean getPath = j.name().endsWith("MemcacheBench.getHit") || j.name().endsWith("ServerRoundTripBench.getHit");
            boolean echo = j.name().endsWith("EchoPathBench.echo") || j.name().endsWith("ServerRoundTripBench.echo64");
            if ((getPath || echo) && !Double.isNaN(j.allocPerOp())) {
                String name = j.name().substring(j.name().lastIndexOf('.', j.name().lastIndexOf('.') - 1) + 1);
                rows.add(new Row("7. allocation", (getPath ? "get path, " : "echo, ") + name
                        + (j.params().isEmpty() ? "" : " " + j.params()) + ", B/op", f(j.allocPerOp()), "–", "–",
                        j.allocPerOp() < ZERO_ALLOC));
            }
        }
    }
}
