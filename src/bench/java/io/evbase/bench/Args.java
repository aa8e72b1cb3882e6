package io.evbase.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options, nothing more. */
final class Args {

    private final Map<String, String> values = new HashMap<>();

    Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + a);
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                values.put(name, args[++i]);
            } else {
                values.put(name, "true");
            }
        }
    }

    String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    int integer(String name, int dflt) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : dflt;
    }

    long longValue(String name, long dflt) {
        return values.containsKey(name) ? Long.parseLong(values.get(name)) : dflt;
    }

    double decimal(String name, double dflt) {
        return values.containsKey(name) ? Double.parseDouble(values.get(name)) : dflt;
    }

    /** A size: plain bytes or with a k/m suffix (binary). */
    int size(String name, int dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        v = v.toLowerCase();
        int mul = 1;
        if (v.endsWith("k")) {
            mul = 1024;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            mul = 1024 * 1024;
            v = v.substring(0, v.length() - 1);
        }
        return Integer.parseInt(v) * mul;
    }

    /** A duration in seconds, with an optional trailing s; fractions allowed. */
    double seconds(String name, double dflt) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        return Double.parseDouble(v.endsWith("s") ? v.substring(0, v.length() - 1) : v);
    }
}
